import { Fragment } from 'react';

/**
 * Engine messages and hints quote commands in backticks ("run `lathe doctor`"); show those as code.
 * Plain text otherwise: nothing from the engine is ever interpreted as HTML.
 */
export function RichText({ text }: { text: string }) {
  const parts = text.split('`');
  // An odd number of backticks means an unmatched one: show the text as it is.
  if (parts.length % 2 === 0) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : <Fragment key={i}>{part}</Fragment>))}
    </>
  );
}
