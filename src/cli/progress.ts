// A progress line on a terminal while a long pass runs (a full table takes seconds): a spinner
// and the elapsed time on stderr, redrawn in place and erased at the end. Nothing when stderr is
// not a TTY, so pipes and logs stay clean.

/** A running progress display. */
export interface Progress {
  stop(): void;
}

const FRAMES = ["|", "/", "-", "\\"];

/** Shows `label` with a spinner until stopped; a no-op unless `enabled`. */
export function startProgress(label: string, enabled: boolean, write: (s: string) => void = (s) => { process.stderr.write(s); }): Progress {
  if (!enabled) return { stop: () => undefined };
  const t0 = Date.now();
  let i = 0;
  const draw = (): void => {
    write(`\r${FRAMES[i++ % FRAMES.length]} ${label} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  };
  const timer = setInterval(draw, 100);
  draw();
  return {
    stop: () => {
      clearInterval(timer);
      write("\r\u001b[2K");
    },
  };
}
