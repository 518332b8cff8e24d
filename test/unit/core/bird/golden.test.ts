// Every transcript of every daemon parses to its reviewed golden file.
import { describe, expect, it } from "vitest";
import { DAEMONS, formatGolden, listTranscripts, parseTranscript, readGolden } from "./fixtures.js";

describe("golden parses of the BIRD transcripts", () => {
  for (const daemon of DAEMONS) {
    describe(daemon, () => {
      const files = listTranscripts(daemon);

      it("has transcripts", () => {
        expect(files.length).toBeGreaterThan(5);
      });

      for (const file of files) {
        it(file, () => {
          const golden = readGolden(daemon, file);
          expect(golden, `missing golden file: run npx tsx test/unit/core/bird/update-golden.ts`).toBeDefined();
          // Round-trip through the golden formatter so that undefined fields compare as absent.
          const fresh = JSON.parse(formatGolden(parseTranscript(daemon, file))) as unknown;
          expect(fresh).toEqual(golden);
        });
      }
    });
  }
});
