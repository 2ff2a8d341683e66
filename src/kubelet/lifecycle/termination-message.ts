/**
 * Termination messages: each container instance gets an empty host file
 * bind-mounted at its terminationMessagePath; once the instance has exited
 * the file's content (at most 4096 bytes) becomes
 * status.state.terminated.message. With FallbackToLogsOnError an empty file
 * and a non-zero exit take the tail of the log instead (80 lines, 2048
 * bytes), as the kubelet does.
 */
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, closeSync, readSync, fstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { Mount } from '../../cri/index.js';

const MAX_MESSAGE_BYTES = 4096;
const MAX_LOG_LINES = 80;
const MAX_LOG_BYTES = 2048;

export function terminationMessageFile(podDirectory: string, container: string, attempt: number): string {
  return join(podDirectory, 'containers', container, String(attempt));
}

/** Creates the instance's empty message file and returns its mount, or none when the path is empty. */
export function terminationMessageMount(podDirectory: string, c: Container, attempt: number): Mount | undefined {
  const path = c.terminationMessagePath ?? '/dev/termination-log';
  if (!path) return undefined;
  const file = terminationMessageFile(podDirectory, c.name, attempt);
  mkdirSync(join(podDirectory, 'containers', c.name), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, '');
  // Any user in the container may write its message.
  chmodSync(file, 0o666);
  return { containerPath: path, hostPath: file, readonly: false, propagation: 'PROPAGATION_PRIVATE' };
}

function readHead(file: string, max: number): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(max, fstatSync(fd).size));
      const n = readSync(fd, buf, 0, buf.length, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** The last lines of a CRI-format log file, as the container wrote them. */
export function logTail(logFile: string, lines = MAX_LOG_LINES, maxBytes = MAX_LOG_BYTES): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
  // CRI format: <time> <stream> <P|F> <text>; P marks a partial line continued in the next entry.
  let out = '';
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const parts = raw.split(' ');
    if (parts.length < 3) continue;
    out += parts.slice(3).join(' ') + (parts[2] === 'P' ? '' : '\n');
  }
  const tail = out.split('\n');
  if (tail[tail.length - 1] === '') tail.pop();
  let msg = tail.slice(-lines).join('\n') + (tail.length ? '\n' : '');
  const bytes = Buffer.from(msg, 'utf8');
  if (bytes.length > maxBytes) msg = bytes.subarray(bytes.length - maxBytes).toString('utf8');
  return msg;
}

/** The terminated message of an exited instance. */
export function terminationMessage(c: Container, file: string, exitCode: number, logFile: string): string {
  const fromFile = (c.terminationMessagePath ?? '/dev/termination-log') ? readHead(file, MAX_MESSAGE_BYTES) : '';
  if (fromFile) return fromFile;
  if (c.terminationMessagePolicy === 'FallbackToLogsOnError' && exitCode !== 0) return logTail(logFile);
  return '';
}
