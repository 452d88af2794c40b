import { createRoot } from 'react-dom/client';

// Placeholder shell: the full UI (gateway editor, sliders, chart, log) is built on the control-plane contract.
function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24 }}>
      <h1>Switchyard</h1>
      <p>The engine is running. Use the `switchyard` CLI to manage gateways.</p>
    </main>
  );
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
