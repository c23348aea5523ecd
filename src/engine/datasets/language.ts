/**
 * A deliberately simple language guess, good enough to drop examples in the wrong language, not a classifier:
 * first the script (Han, kana, Hangul, Cyrillic, Arabic decide zh/ja/ko/ru/ar on their own), then for Latin
 * script the language whose common short words occur most. Text with no telling word gives null ("can't say"),
 * and the filter keeps it, so short answers such as "Yes." are not thrown away.
 */
const STOP_WORDS: Record<string, string[]> = {
  en: ['the', 'and', 'is', 'are', 'of', 'to', 'in', 'it', 'that', 'what', 'with', 'for', 'this', 'you', 'be', 'not', 'on', 'who', 'how', 'a'],
  de: ['der', 'die', 'das', 'und', 'ist', 'nicht', 'ein', 'eine', 'mit', 'zu', 'den', 'von', 'wer', 'wie', 'auf', 'sie', 'ich', 'es', 'im', 'dem'],
  fr: ['le', 'la', 'les', 'et', 'est', 'des', 'un', 'une', 'du', 'que', 'qui', 'pas', 'pour', 'dans', 'ce', 'avec', 'sur', 'au', 'il', 'je'],
  es: ['el', 'la', 'los', 'las', 'y', 'es', 'de', 'que', 'en', 'un', 'una', 'por', 'con', 'para', 'no', 'del', 'se', 'qué', 'cómo', 'al'],
  it: ['il', 'lo', 'la', 'gli', 'le', 'e', 'è', 'di', 'che', 'un', 'una', 'per', 'non', 'con', 'del', 'della', 'sono', 'come', 'chi', 'si'],
  nl: ['de', 'het', 'een', 'en', 'is', 'van', 'niet', 'dat', 'met', 'voor', 'op', 'zijn', 'wie', 'hoe', 'wat', 'ik', 'je', 'ook', 'aan', 'er'],
  pt: ['o', 'os', 'as', 'e', 'é', 'de', 'que', 'um', 'uma', 'não', 'para', 'com', 'do', 'da', 'em', 'por', 'se', 'como', 'quem', 'são'],
};

export type LanguageCode = 'en' | 'de' | 'fr' | 'es' | 'it' | 'nl' | 'pt' | 'ru' | 'zh' | 'ja' | 'ko' | 'ar';

export function guessLanguage(text: string): LanguageCode | null {
  const count = (re: RegExp) => (text.match(re) ?? []).length;
  const letters = count(/\p{L}/gu);
  if (!letters) return null;
  const kana = count(/[\p{Script=Hiragana}\p{Script=Katakana}]/gu);
  const han = count(/\p{Script=Han}/gu);
  const scripts: Array<[LanguageCode, number]> = [
    ['ja', kana > 0 ? kana + han : 0],
    ['zh', kana === 0 ? han : 0],
    ['ko', count(/\p{Script=Hangul}/gu)],
    ['ru', count(/\p{Script=Cyrillic}/gu)],
    ['ar', count(/\p{Script=Arabic}/gu)],
  ];
  const [script, n] = scripts.reduce((best, s) => (s[1] > best[1] ? s : best));
  if (n / letters > 0.3) return script;
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best: LanguageCode | null = null;
  let bestHits = 0;
  for (const [lang, list] of Object.entries(STOP_WORDS)) {
    const set = new Set(list);
    const hits = words.reduce((h, w) => h + (set.has(w) ? 1 : 0), 0);
    if (hits > bestHits) {
      best = lang as LanguageCode;
      bestHits = hits;
    }
  }
  return best;
}
