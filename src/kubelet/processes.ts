/**
 * Stopping a process the agent started (containerd, a server): by pid only,
 * never by name, so nothing else on the machine is touched.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while `pid` exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM, up to ten seconds to exit, then SIGKILL: a server or containerd
 * gets time to shut down cleanly. False when `pid` was not running.
 */
export async function stopProcess(pid: number): Promise<boolean> {
  if (!alive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}
