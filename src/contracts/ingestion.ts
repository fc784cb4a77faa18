/** What ingesting a process date's morning files did. */
export interface IngestResult {
  processDate: string;
  ingested: string[];
  skipped: string[];
  rejected: { file: string; errors: string[] }[];
  /** Accounts the files showed that the book did not know: adopted as PENDING_SETUP. */
  onboarded?: string[];
}
