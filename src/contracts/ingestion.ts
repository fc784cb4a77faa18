/** What ingesting a process date's morning files did. */
export interface IngestResult {
  processDate: string;
  ingested: string[];
  skipped: string[];
  rejected: { file: string; errors: string[] }[];
}
