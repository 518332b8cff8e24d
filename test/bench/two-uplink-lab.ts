// A two-uplink lab for one benchmark: built (BIRD scan time 60 s, so that BIRD's own kernel scan
// does not repair what a benchmark deletes), handed to `fn`, destroyed whatever happens.
import { buildTwoUplinkTopology, createLab, type TwoUplinkTopology } from "../lab/index.js";

export async function withTwoUplinkLab<T>(name: string, fn: (t: TwoUplinkTopology) => Promise<T>): Promise<T> {
  const lab = await createLab({ name });
  try {
    const t = await buildTwoUplinkTopology(lab, { scanTimeS: 60 });
    return await fn(t);
  } finally {
    await lab.destroy();
  }
}
