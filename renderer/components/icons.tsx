import type { ReactNode, SVGProps } from 'react';

export type IconProps = Omit<SVGProps<SVGSVGElement>, 'children'> & { size?: number };
export type IconComponent = (props: IconProps) => ReactNode;

/** Line icons on a 24-unit grid, drawn with the current text colour. */
function icon(paths: ReactNode): IconComponent {
  return function Icon({ size = 16, strokeWidth = 1.75, ...rest }: IconProps) {
    return (
      <svg
        width={size}
        height={size}
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth={strokeWidth}
        strokeLinecap="round"
        strokeLinejoin="round"
        aria-hidden="true"
        focusable="false"
        {...rest}
      >
        {paths}
      </svg>
    );
  };
}

export const DatabaseIcon = icon(
  <>
    <ellipse cx="12" cy="5.5" rx="7.5" ry="2.75" />
    <path d="M4.5 5.5v13c0 1.5 3.4 2.75 7.5 2.75s7.5-1.25 7.5-2.75v-13" />
    <path d="M4.5 12c0 1.5 3.4 2.75 7.5 2.75s7.5-1.25 7.5-2.75" />
  </>,
);
export const CubeIcon = icon(
  <>
    <path d="M12 2.75 20 7.1v9.8L12 21.25 4 16.9V7.1z" />
    <path d="M4 7.1 12 11.5l8-4.4" />
    <path d="M12 11.5v9.75" />
  </>,
);
export const ZapIcon = icon(<path d="M13.5 2.5 4.5 13.5h6.5l-1 8 9-11h-6.5z" />);
export const ActivityIcon = icon(<path d="M2.5 12h4l3-7.5 5 15 3-7.5h4" />);
export const ChatIcon = icon(
  <>
    <path d="M20.5 14.5a2 2 0 0 1-2 2H8.5l-5 4v-15a2 2 0 0 1 2-2h13a2 2 0 0 1 2 2z" />
    <path d="M8 9.5h8M8 12.5h5" />
  </>,
);
export const ClipboardCheckIcon = icon(
  <>
    <rect x="8.5" y="2.5" width="7" height="3.5" rx="1" />
    <path d="M15.5 4.25h2a2 2 0 0 1 2 2v13.25a2 2 0 0 1-2 2h-11a2 2 0 0 1-2-2V6.25a2 2 0 0 1 2-2h2" />
    <path d="m9 14 2 2 4-4.5" />
  </>,
);
export const PackageIcon = icon(
  <>
    <path d="M12 14.5V3" />
    <path d="m7.5 7.5 4.5-4.5 4.5 4.5" />
    <path d="M4.5 13v5.5a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V13" />
  </>,
);
export const ShieldCheckIcon = icon(
  <>
    <path d="M12 2.75 4.5 5.5v6c0 4.8 3.2 8.3 7.5 9.75 4.3-1.45 7.5-4.95 7.5-9.75v-6z" />
    <path d="m8.75 12 2.25 2.25 4.25-4.5" />
  </>,
);
export const SunIcon = icon(
  <>
    <circle cx="12" cy="12" r="4" />
    <path d="M12 2.5v2M12 19.5v2M4.6 4.6l1.4 1.4M18 18l1.4 1.4M2.5 12h2M19.5 12h2M4.6 19.4 6 18M18 6l1.4-1.4" />
  </>,
);
export const MoonIcon = icon(<path d="M20.25 14.6A8.5 8.5 0 1 1 9.4 3.75a6.75 6.75 0 0 0 10.85 10.85z" />);
export const CpuIcon = icon(
  <>
    <rect x="5.5" y="5.5" width="13" height="13" rx="2" />
    <rect x="9.25" y="9.25" width="5.5" height="5.5" rx="0.75" />
    <path d="M9.5 2.5v3M14.5 2.5v3M9.5 18.5v3M14.5 18.5v3M2.5 9.5h3M2.5 14.5h3M18.5 9.5h3M18.5 14.5h3" />
  </>,
);
export const MemoryIcon = icon(
  <>
    <rect x="2.5" y="7" width="19" height="9" rx="1.5" />
    <path d="M6.5 16v3M10 16v3M14 16v3M17.5 16v3M6.5 10.5v2M10 10.5v2M14 10.5v2M17.5 10.5v2" />
  </>,
);
export const HardDriveIcon = icon(
  <>
    <rect x="2.5" y="13" width="19" height="7.5" rx="2" />
    <path d="M5 13 7.75 4.5h8.5L19 13" />
    <path d="M6.5 16.75h.01M10 16.75h.01" />
  </>,
);
export const LayersIcon = icon(
  <>
    <path d="m12 3 9 4.75-9 4.75-9-4.75z" />
    <path d="m3 12.25 9 4.75 9-4.75" />
    <path d="m3 16.5 9 4.75 9-4.75" />
  </>,
);
export const FlameIcon = icon(
  <path d="M12 21.5c3.9 0 6.75-2.6 6.75-6.4 0-3.35-2.1-5.85-3.85-7.6-.35 1.9-1.35 3.15-2.65 3.6.35-3.05-1.1-6.05-3.6-8.6.1 3.9-4.4 6.45-4.4 12.4 0 3.85 3.05 6.6 7.75 6.6z" />,
);
export const StethoscopeIcon = icon(
  <>
    <path d="M5 3H4v5.5a5 5 0 0 0 10 0V3h-1" />
    <path d="M9 13.5v1.25a5.75 5.75 0 0 0 11.5 0V13" />
    <circle cx="20.5" cy="11" r="2" />
  </>,
);
export const CheckIcon = icon(<path d="m5 12.5 4.5 4.5L19 7.5" />);
export const XIcon = icon(<path d="M6.5 6.5l11 11M17.5 6.5l-11 11" />);
export const CheckCircleIcon = icon(
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="m8.5 12.25 2.5 2.5 4.5-5" />
  </>,
);
export const AlertCircleIcon = icon(
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7.75v5M12 16.25h.01" />
  </>,
);
export const AlertTriangleIcon = icon(
  <>
    <path d="M10.3 4 2.6 17.5a2 2 0 0 0 1.7 3h15.4a2 2 0 0 0 1.7-3L13.7 4a2 2 0 0 0-3.4 0z" />
    <path d="M12 9.5v4M12 17h.01" />
  </>,
);
export const InfoIcon = icon(
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 11v5.25M12 7.75h.01" />
  </>,
);
export const RefreshIcon = icon(
  <>
    <path d="M20 11a8 8 0 0 0-14.6-4.5L3.5 9" />
    <path d="M3.5 4v5h5" />
    <path d="M4 13a8 8 0 0 0 14.6 4.5l1.9-2.5" />
    <path d="M20.5 20v-5h-5" />
  </>,
);
export const ArrowRightIcon = icon(<path d="M4.5 12h15M13.5 6l6 6-6 6" />);
export const ChevronRightIcon = icon(<path d="m9.5 6 6 6-6 6" />);
export const ChevronDownIcon = icon(<path d="m6 9.5 6 6 6-6" />);
export const CopyIcon = icon(
  <>
    <rect x="9" y="9" width="12" height="12" rx="2" />
    <path d="M5.5 15H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v.5" />
  </>,
);
export const FileTextIcon = icon(
  <>
    <path d="M14 2.75H7a2 2 0 0 0-2 2v14.5a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V7.75z" />
    <path d="M14 2.75v5h5M9 13h6M9 16.75h6" />
  </>,
);
export const TableIcon = icon(
  <>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <path d="M3 9.5h18M3 14.75h18M9.5 9.5V20" />
  </>,
);
export const FolderIcon = icon(
  <path d="M3 7a2 2 0 0 1 2-2h4l2 2.25h8a2 2 0 0 1 2 2V18a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z" />,
);
export const TerminalIcon = icon(
  <>
    <rect x="2.5" y="4" width="19" height="16" rx="2" />
    <path d="m7 9.5 3 2.5-3 2.5M12.5 15h4.5" />
  </>,
);
export const SparklesIcon = icon(
  <>
    <path d="M10 3.5 11.6 8l4.4 1.5-4.4 1.6L10 15.5 8.4 11.1 4 9.5 8.4 8z" />
    <path d="M18 14.5l.8 2.2 2.2.8-2.2.8-.8 2.2-.8-2.2-2.2-.8 2.2-.8z" />
  </>,
);
export const SearchIcon = icon(
  <>
    <circle cx="11" cy="11" r="6.5" />
    <path d="m20 20-4.35-4.35" />
  </>,
);
export const LinkIcon = icon(
  <>
    <path d="M10 13.5a4 4 0 0 0 5.66.34l3-3a4 4 0 0 0-5.66-5.66l-1.2 1.2" />
    <path d="M14 10.5a4 4 0 0 0-5.66-.34l-3 3a4 4 0 0 0 5.66 5.66l1.2-1.2" />
  </>,
);
export const PlugIcon = icon(
  <>
    <path d="M12 21.5v-4" />
    <path d="M9 7.5V2.5M15 7.5V2.5" />
    <path d="M6.5 7.5h11v3.5a5.5 5.5 0 0 1-11 0z" />
  </>,
);
export const GitCompareIcon = icon(
  <>
    <circle cx="6" cy="6" r="2.5" />
    <circle cx="18" cy="18" r="2.5" />
    <path d="M13 6h3a2 2 0 0 1 2 2v7.5M11 18H8a2 2 0 0 1-2-2V8.5" />
    <path d="m15 3 -2 3 2 3M9 15l2 3-2 3" />
  </>,
);
export const LineageIcon = icon(
  <>
    <circle cx="5" cy="6" r="2.25" />
    <circle cx="5" cy="18" r="2.25" />
    <circle cx="19" cy="12" r="2.25" />
    <path d="M7.25 6h3.25a3 3 0 0 1 3 3v1.5a1.5 1.5 0 0 0 1.5 1.5h1.75M7.25 18h3.25a3 3 0 0 0 3-3v-1.5" />
  </>,
);
export const UsersIcon = icon(
  <>
    <circle cx="9" cy="8" r="3.25" />
    <path d="M3 19.5a6 6 0 0 1 12 0" />
    <path d="M15.5 4.9a3.25 3.25 0 0 1 0 6.2M17.5 14a6 6 0 0 1 3.5 5.5" />
  </>,
);
export const GaugeIcon = icon(
  <>
    <path d="M3.5 16.5a8.5 8.5 0 1 1 17 0" />
    <path d="m12 16.5 4-5.5" />
    <circle cx="12" cy="16.5" r="1.25" />
  </>,
);

export const ImportIcon = icon(
  <>
    <path d="M12 3v11.5" />
    <path d="m7.5 10 4.5 4.5 4.5-4.5" />
    <path d="M4.5 14.5v4a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2v-4" />
  </>,
);
/** The same glyph as Import: an arrow into a tray. */
export const DownloadIcon = ImportIcon;
export const ArrowLeftIcon = icon(<path d="M19.5 12h-15M10.5 6l-6 6 6 6" />);
export const ChevronUpIcon = icon(<path d="m6 14.5 6-6 6 6" />);
export const GitCommitIcon = icon(
  <>
    <circle cx="12" cy="12" r="3.5" />
    <path d="M2.5 12h6M15.5 12h6" />
  </>,
);
export const XCircleIcon = icon(
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="m9 9 6 6M15 9l-6 6" />
  </>,
);

/** The Lathe mark: a baluster turned between two centres. */
export function BrandMark({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false" className="brand-mark">
      <defs>
        <linearGradient id="lathe-mark-fill" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" style={{ stopColor: 'var(--brand-from)' }} />
          <stop offset="1" style={{ stopColor: 'var(--brand-to)' }} />
        </linearGradient>
      </defs>
      <rect x="0.5" y="0.5" width="23" height="23" rx="6.5" fill="url(#lathe-mark-fill)" />
      <path
        d="M5.5 10.6C6.4 10.6 6.5 9 7.5 9S8.6 10.6 9.4 10.6C11 10.6 11.4 7.4 14 7.4S17 10 18.5 10V14C17 14 16.6 16.6 14 16.6S11 13.4 9.4 13.4C8.6 13.4 8.5 15 7.5 15S6.4 13.4 5.5 13.4Z"
        fill="#fff"
        fillOpacity="0.96"
      />
      <path d="M3 12 5.25 10.6v2.8zM21 12l-2.25-1.4v2.8z" fill="#fff" fillOpacity="0.6" />
    </svg>
  );
}
export const PencilIcon = icon(
  <>
    <path d="M16.5 4.5a2.1 2.1 0 0 1 3 3L8 19l-4 1 1-4Z" />
    <path d="m14.5 6.5 3 3" />
  </>,
);
export const UndoIcon = icon(
  <>
    <path d="M9 14 4 9l5-5" />
    <path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
  </>,
);

export const SignOutIcon = icon(
  <>
    <path d="M9.5 20.5H6a2 2 0 0 1-2-2v-13a2 2 0 0 1 2-2h3.5" />
    <path d="m15.5 16.5 4.5-4.5-4.5-4.5" />
    <path d="M20 12H9.5" />
  </>,
);

export const EyeIcon = icon(
  <>
    <path d="M2.5 12S6 5.5 12 5.5 21.5 12 21.5 12 18 18.5 12 18.5 2.5 12 2.5 12Z" />
    <circle cx="12" cy="12" r="2.75" />
  </>,
);

export const EyeOffIcon = icon(
  <>
    <path d="M10.6 5.6A9.9 9.9 0 0 1 12 5.5c6 0 9.5 6.5 9.5 6.5a17.6 17.6 0 0 1-2.7 3.5" />
    <path d="M6.6 6.6C4 8.4 2.5 12 2.5 12S6 18.5 12 18.5a9.4 9.4 0 0 0 5.4-1.6" />
    <path d="M9.9 9.9a2.75 2.75 0 0 0 3.9 3.9" />
    <path d="m3 3 18 18" />
  </>,
);
