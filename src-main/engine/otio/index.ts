export { importOtio, type OtioImport } from './import.ts';
export { toOtio, writeOtio } from './export.ts';
