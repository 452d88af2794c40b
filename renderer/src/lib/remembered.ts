import { useEffect, useState } from 'react';

/**
 * A layout choice (a split's height, column widths) kept in localStorage, so the window opens as the user
 * left it. A value that does not read falls back to the default.
 */
export function useRemembered<T>(key: string, fallback: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const stored = localStorage.getItem(key);
      return stored === null ? fallback : (JSON.parse(stored) as T);
    } catch {
      return fallback;
    }
  });
  useEffect(() => {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // Storage full or refused: the choice lasts this session.
    }
  }, [key, value]);
  return [value, setValue];
}
