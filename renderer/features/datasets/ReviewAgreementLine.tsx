import { useReviewAgreement } from './use-review-agreement.js';

const figure = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));

/**
 * One line under the review bar once two or more labellers judged the same examples: Krippendorff's alpha on the
 * verdicts, Cohen's kappa per pair of labellers, alpha per tag. Nothing while nobody overlaps.
 */
export function ReviewAgreementLine({ versionId, refresh }: { versionId: string; refresh: unknown }) {
  const a = useReviewAgreement(versionId, refresh);
  if (!a || a.overlap === 0) return null;
  return (
    <p className="review-agreement" data-testid="review-agreement" title="Krippendorff's alpha and Cohen's kappa: 1 is full agreement, 0 what chance gives; n/a where the figure is not defined (one label throughout).">
      <strong>Agreement</strong> on {a.overlap} example{a.overlap === 1 ? '' : 's'} judged by two or more: verdicts α {figure(a.verdicts.alpha)}
      {a.pairs.map((p) => (
        <span key={`${p.a}-${p.b}`}>
          {' '}· {p.a}–{p.b} κ {figure(p.kappa)} ({p.n})
        </span>
      ))}
      {a.tags.map((t) => (
        <span key={t.tag}>
          {' '}· tag “{t.tag}” α {figure(t.alpha)}
        </span>
      ))}
    </p>
  );
}
