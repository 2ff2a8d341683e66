/** CRI v1 over gRPC: the node agent's only way to run containers. */
export { createCriClient, isCriNotFound, isCriUnimplemented, nanosToDate, CRI_API_VERSION } from './client.js';
export type { CriClient, CriClientOptions } from './client.js';
export type * from './types.js';
