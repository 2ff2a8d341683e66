/**
 * The restart policy's decisions, pure so they can be read as tables: which
 * containers a sync starts (init containers strictly one at a time, app
 * containers once every init container has succeeded) and whether a
 * finished pod has anything left to run.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { instancesOf, type PodRuntime, type RuntimeContainer } from '../pod-status.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export const restartPolicyOf = (pod: Pod) => (pod.spec?.restartPolicy ?? 'Always') as RestartPolicy;

/** Whether an app container that exited with `exitCode` runs again. */
export function restartsAfter(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/**
 * One thing a sync does about a container, in spec order: `settled` (running,
 * or finished for good: nothing holds it back any more) or `start` (its next
 * attempt, unless back-off holds it).
 */
export type ContainerStep =
  | { action: 'settled'; name: string }
  | { action: 'start'; container: Container; latest?: RuntimeContainer; isInit: boolean };

/** What a sync does about the pod's containers, given the runtime state of its current sandbox. */
export function planContainers(pod: Pod, rt: PodRuntime): ContainerStep[] {
  const policy = restartPolicyOf(pod);
  const steps: ContainerStep[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    const [latest] = instancesOf(rt, c.name);
    if (latest?.state === 'exited' && latest.exitCode === 0) {
      steps.push({ action: 'settled', name: c.name });
      continue;
    }
    // Init containers run one at a time: the first unfinished one is all there is to do.
    if (latest?.state === 'running' || latest?.state === 'created') return steps;
    // A failed init container is retried unless the policy is Never: then the pod has failed.
    if (latest?.state === 'exited' && policy === 'Never') return steps;
    steps.push({ action: 'start', container: c, latest, isInit: true });
    return steps;
  }
  for (const c of pod.spec?.containers ?? []) {
    const [latest] = instancesOf(rt, c.name);
    if (latest?.state === 'running' || latest?.state === 'created' || (latest?.state === 'exited' && !restartsAfter(policy, latest.exitCode))) {
      steps.push({ action: 'settled', name: c.name });
      continue;
    }
    steps.push({ action: 'start', container: c, latest, isInit: false });
  }
  return steps;
}

/** No container would run again: restartPolicy Never/OnFailure and everything finished. */
export function nothingToRestart(pod: Pod, rt: PodRuntime): boolean {
  const policy = restartPolicyOf(pod);
  if (policy === 'Always') return false;
  return (pod.spec?.containers ?? []).every((c) => {
    const [latest] = instancesOf(rt, c.name);
    return latest?.state === 'exited' && !restartsAfter(policy, latest.exitCode);
  });
}
