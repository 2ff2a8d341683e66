/** Container lifecycle: postStart/preStop hooks and termination messages. */
export { runHook } from './hooks.js';
export type { HookResult, HookTarget } from './hooks.js';
export { logTail, terminationMessage, terminationMessageFile, terminationMessageMount } from './termination-message.js';
