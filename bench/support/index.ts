export { UnthrottledClients } from './clients.js';
export { BenchOptions } from './options.js';
export { startBenchServer, type BenchServer, type BenchServerOptions, type Credentials, type ServerComponent } from './server.js';
