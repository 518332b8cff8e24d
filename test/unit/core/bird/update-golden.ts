// Regenerates the golden parses of every BIRD transcript:
//   npx tsx test/unit/core/bird/update-golden.ts
// Review the diff by eye before committing: a golden file is only as right as the parse that
// wrote it, which is why golden.test.ts is not the only check (see routes.test.ts & co).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DAEMONS, formatGolden, goldenPath, listTranscripts, parseTranscript } from "./fixtures.js";

let written = 0;
for (const daemon of DAEMONS) {
  for (const file of listTranscripts(daemon)) {
    const path = goldenPath(daemon, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, formatGolden(parseTranscript(daemon, file)));
    written++;
  }
}
console.log(`wrote ${written} golden files`);
