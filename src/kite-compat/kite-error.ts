/** Kite's error types, as the official clients map them to their exceptions. */
export type KiteErrorType =
  'TokenException' | 'InputException' | 'NetworkException' | 'PermissionException' | 'GeneralException';

/** Kite's error envelope: what the official clients read `error_type` and `message` from. */
export interface KiteErrorBody {
  status: 'error';
  message: string;
  error_type: KiteErrorType;
  data: null;
}

/** Kite's success envelope. */
export interface KiteSuccessBody<T> {
  status: 'success';
  data: T;
}

export const kiteError = (error_type: KiteErrorType, message: string): KiteErrorBody => ({
  status: 'error',
  message,
  error_type,
  data: null,
});

export const kiteSuccess = <T>(data: T): KiteSuccessBody<T> => ({ status: 'success', data });
