import { create } from 'zustand';
import type { LatheErrorData } from '../../src/shared/contract/index.js';
import { asErrorData } from './errors.js';

export type ToastTone = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  message: string;
  hint: string | null;
}

interface ToastStore {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
}

let nextId = 1;
const MAX_VISIBLE = 4;

export const useToasts = create<ToastStore>((set) => ({
  toasts: [],
  push(toast) {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts, { ...toast, id }].slice(-MAX_VISIBLE) }));
    return id;
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

/** Shows an engine error as a toast: what happened, then what to do. */
export function toastError(title: string, err: unknown): LatheErrorData {
  const data = asErrorData(err);
  useToasts.getState().push({ tone: 'error', title, message: data.message, hint: data.hint || null });
  return data;
}
