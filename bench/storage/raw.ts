/**
 * The physical limit under the API: how many durable (fsync'd) commits SQLite
 * does on this machine, one row per transaction and batched, next to what the
 * Backend achieves with concurrent callers (group commit). Prints figures, no
 * pass/fail.
 *
 *   node --import tsx bench/storage/raw.ts [--n 4000] [--dir /tmp/x]
 *   node dist/bench/storage/raw.js
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqlite } from '../../src/storage/sqlite/index.js';
import { BenchOptions } from '../support/index.js';

/** A pod-like JSON document of about 1.5 KB, different per i. */
export function samplePayload(i: number): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `bench-${i}`,
      namespace: 'default',
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      labels: { app: 'bench', tier: 'backend', 'pod-template-hash': '5d8f7c9b6d' },
      annotations: { 'kubernetes.io/description': 'x'.repeat(600) },
      creationTimestamp: new Date(0).toISOString(),
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.local/bench/app:1.0',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
          env: [{ name: 'MODE', value: 'bench' }],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
  return JSON.stringify(doc);
}

export interface CommitRate {
  rows: number;
  batch: number;
  seconds: number;
  rowsPerSecond: number;
  commitsPerSecond: number;
}

/**
 * Inserts n ~1.5 KB rows into a fresh WAL database under dir with
 * synchronous=FULL, `batch` rows per transaction (each commit is one fsync).
 * The database is removed afterwards.
 */
export function rawSqliteCommitRate(dir: string, n: number, batch: number): CommitRate {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, 'raw-'));
  const db = new Database(join(work, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, value TEXT)');
    const insert = db.prepare('INSERT INTO log (name, value) VALUES (?, ?)');
    const payloads = Array.from({ length: Math.min(n, 1000) }, (_, i) => samplePayload(i));
    const commit = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(`/registry/pods/default/bench-${i}`, payloads[i % payloads.length]);
    });
    const started = process.hrtime.bigint();
    let commits = 0;
    for (let i = 0; i < n; i += batch) {
      commit(i, Math.min(n, i + batch));
      commits++;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { rows: n, batch, seconds, rowsPerSecond: n / seconds, commitsPerSecond: commits / seconds };
  } finally {
    db.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export interface BackendRate {
  creates: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Creates n keys through the SQLite Backend from `concurrency` concurrent callers. */
export async function backendCreateRate(dir: string, n: number, concurrency: number): Promise<BackendRate> {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, 'backend-'));
  const b = openSqlite(join(work, 'state.db'), { compactIntervalMs: 0 });
  const payloads = Array.from({ length: Math.min(n, 1000) }, (_, i) => samplePayload(i));
  const latencies: number[] = [];
  let next = 0;
  try {
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          const t0 = process.hrtime.bigint();
          await b.create(`/registry/pods/default/bench-${i}`, payloads[i % payloads.length]);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((x, y) => x - y);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    return { creates: n, concurrency, seconds, perSecond: n / seconds, p50Ms: pct(50), p99Ms: pct(99), maxMs: latencies[latencies.length - 1] };
  } finally {
    await b.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = new BenchOptions();
  const n = options.count('n', 4000);
  const dir = options.string('dir', join(tmpdir(), 'skiff-bench-storage'));
  const f = (x: number) => x.toFixed(x < 10 ? 2 : 0);
  console.log(`storage bench: ${n} writes of ~${samplePayload(0).length} B JSON, directory ${dir}`);

  const single = rawSqliteCommitRate(dir, Math.min(n, 1000), 1);
  console.log(`raw sqlite, 1 row per fsync'd commit:   ${f(single.rowsPerSecond)} rows/s (${f(single.commitsPerSecond)} commits/s)`);
  const batched = rawSqliteCommitRate(dir, n, 32);
  console.log(`raw sqlite, 32 rows per fsync'd commit: ${f(batched.rowsPerSecond)} rows/s (${f(batched.commitsPerSecond)} commits/s)`);
  const be = await backendCreateRate(dir, n, 32);
  console.log(
    `Backend.create, 32 concurrent callers:  ${f(be.perSecond)} creates/s, latency p50 ${f(be.p50Ms)} ms, p99 ${f(be.p99Ms)} ms, max ${f(be.maxMs)} ms`,
  );
  console.log(
    `ratios: backend / raw-1-per-commit ${f(be.perSecond / single.rowsPerSecond)}x, backend / raw-32-per-commit ${f(be.perSecond / batched.rowsPerSecond)}x`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
