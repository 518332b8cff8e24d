// Real TCP over the lab: a server on a VIP inside one namespace, a client connection attempt
// from another, both as `node -e` processes started with `ip netns exec` (argument arrays only).
import { execa, type ResultPromise } from "execa";
import { waitFor } from "../lab/wait.js";

// A connection reset by its peer must not end the server: an unhandled socket 'error' event would
// (F5's half-open connections are reset by the client when it gives up).
const SERVER = `const net=require("net");const s=net.createServer(c=>{c.on("error",()=>{});c.end("pong\\n")});s.listen(Number(process.argv[2]),process.argv[1],()=>console.log("listening"));setTimeout(()=>process.exit(0),Number(process.argv[3]))`;
const CLIENT = `const net=require("net");const c=net.connect({host:process.argv[1],port:Number(process.argv[2])});let d="";c.setTimeout(Number(process.argv[3]),()=>{console.log("timeout");process.exit(2)});c.on("data",x=>d+=x);c.on("end",()=>{console.log(d.trim()==="pong"?"ok":"bad");process.exit(d.trim()==="pong"?0:3)});c.on("error",e=>{console.log("error "+e.code);process.exit(4)})`;

/** A running test server. */
export interface TestServer {
  /** Stops the server process. */
  stop(): void;
  /** Undefined while the server runs; how it ended otherwise (for failure messages). */
  exited(): string | undefined;
}

/**
 * Starts a TCP server on `host:port` in `netns` that answers "pong" (stops by itself after
 * `lifeMs`, a bound in case nobody stops it: the default is far longer than any test file, since
 * a file that starts its server in `beforeAll` may run for minutes on a busy machine). Returns a
 * plain handle: execa's process is a thenable, and awaiting it would wait for the server to exit.
 */
export async function startServer(netns: string, host: string, port: number, lifeMs = 1_800_000): Promise<TestServer> {
  const proc = execa("ip", ["netns", "exec", netns, process.execPath, "-e", SERVER, host, String(port), String(lifeMs)], { reject: false });
  let out = "";
  let exited: string | undefined;
  proc.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
  void proc.then((r) => { exited = `exit ${String(r.exitCode)}: ${String(r.stderr)}`; });
  await waitFor(() => out.includes("listening") || exited !== undefined, { intervalMs: 50, what: `the TCP server on ${host}:${port} in ${netns} to listen` });
  if (!out.includes("listening")) throw new Error(`server on ${host}:${port} exited before listening (${exited ?? "?"})`);
  return { stop: () => { (proc as ResultPromise).kill(); }, exited: () => exited };
}

/** Tries one TCP connection from `netns`; returns "ok", "timeout" or an error word. */
export async function tryConnect(netns: string, host: string, port: number, timeoutMs = 2_000): Promise<string> {
  const r = await execa("ip", ["netns", "exec", netns, process.execPath, "-e", CLIENT, host, String(port), String(timeoutMs)], { reject: false, timeout: timeoutMs + 10_000 });
  return r.stdout.trim() || `exit ${r.exitCode}`;
}
