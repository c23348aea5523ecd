import { z } from 'zod';
import { handler } from '../define.js';

export const releaseReportSchema = z.object({
  releaseId: z.string(),
  htmlPath: z.string(),
  pdfPath: z.string(),
  htmlSha256: z.string(),
  pdfSha256: z.string(),
  pdfPages: z.number().int(),
  /** With includeContent: the HTML text and the PDF as base64, for a download in the browser. */
  html: z.string().nullable(),
  pdfBase64: z.string().nullable(),
});
export type ReleaseReport = z.infer<typeof releaseReportSchema>;

export const reportHandlers = {
  'reports.release': handler({
    summary: 'Writes the release report of one release decision (by id, or the newest naming an export or a model) as self-contained HTML and as PDF under <data>/reports/<release id>/ (summary, lineage, data, training curves, evals with intervals, gate, hashes, audit status); audited.',
    args: z
      .object({
        /** One of these three: the decision itself, or the newest decision that names this export or this model. */
        releaseId: z.string().min(1).optional(),
        exportId: z.string().min(1).optional(),
        modelId: z.string().min(1).optional(),
        includeContent: z.boolean().default(false),
      })
      .strict(),
    result: releaseReportSchema,
    writes: true,
  }),
};
