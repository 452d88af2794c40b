import { useEffect, useState } from 'react';

/**
 * 'light' or 'dark', as the page shows now: Settings sets data-theme on the root, otherwise the system
 * decides. Canvas drawings (the chart) read colours once, so they redraw when this changes.
 */
export function useColorScheme(): 'light' | 'dark' {
  const [scheme, setScheme] = useState(current);
  useEffect(() => {
    const update = () => setScheme(current());
    const media = matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', update);
    const observer = new MutationObserver(update);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      media.removeEventListener('change', update);
      observer.disconnect();
    };
  }, []);
  return scheme;
}

function current(): 'light' | 'dark' {
  const theme = document.documentElement.dataset.theme;
  if (theme === 'light' || theme === 'dark') return theme;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
