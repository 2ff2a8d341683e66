import { configFromKubeconfig, createClient, type Client } from '../../src/client/index.js';

/**
 * API clients without client-side throttling, like the server's in-process
 * components and upstream's scheduler_perf: the figures are the server's and
 * the components', not a rate limiter's. Closed together at the end.
 */
export class UnthrottledClients {
  private readonly made: Client[] = [];

  constructor(private readonly kubeconfig: string) {}

  make(userAgent: string): Client {
    const c = createClient({ ...configFromKubeconfig(this.kubeconfig, userAgent), qps: 1e6, burst: 1e6 });
    this.made.push(c);
    return c;
  }

  close(): void {
    for (const c of this.made) c.close();
  }
}
