// Build: type-check and compile src/, test/, bench/ into dist/ with tsc.
// Generated artefacts (the OpenAPI documents made from kubernetes-types) are
// produced here too, so they are never committed as copies.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, ['--import', 'tsx', join(root, 'scripts/gen-openapi.ts')]);
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
for (const f of ['src/cri/api.proto', 'src/kubelet/images/pause.c', 'src/apiserver/openapi/openapiv2.proto']) (await import('node:fs')).cpSync(join(root, f), join(root, 'dist', f));
