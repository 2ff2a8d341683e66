export { openMemory, MemoryBackend, type MemoryOptions } from './memory.js';
