import { create } from 'zustand';
import type { AppInfo, DoctorReport, LatheErrorData } from '../../src/shared/contract/index.js';
import { getClient } from './connection.js';
import { toastError } from './toasts.js';

/** What the engine says about itself: version and database health (app.info) and the doctor report. */
interface EngineStore {
  info: AppInfo | null;
  infoError: LatheErrorData | null;
  doctor: DoctorReport | null;
  doctorError: LatheErrorData | null;
  doctorLoading: boolean;
  loadInfo(): Promise<void>;
  loadDoctor(refresh?: boolean): Promise<void>;
  setDoctor(report: DoctorReport): void;
}

export const useEngine = create<EngineStore>((set, get) => ({
  info: null,
  infoError: null,
  doctor: null,
  doctorError: null,
  doctorLoading: false,

  async loadInfo() {
    try {
      const info = await getClient().send('app.info', {});
      set({ info, infoError: null });
    } catch (err) {
      set({ infoError: toastError('Could not read the engine’s status', err) });
    }
  },

  async loadDoctor(refresh = false) {
    if (get().doctorLoading) return;
    set({ doctorLoading: true });
    try {
      const doctor = await getClient().send('doctor.report', { refresh });
      set({ doctor, doctorError: null });
    } catch (err) {
      set({ doctorError: toastError('The doctor could not finish', err) });
    } finally {
      set({ doctorLoading: false });
    }
  },

  setDoctor(report) {
    set({ doctor: report, doctorError: null });
  },
}));
