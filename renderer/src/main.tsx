import { createRoot } from 'react-dom/client';
import { connect } from './api/connection.js';
import { App } from './components/App.js';
import { useAppStore } from './store/app-store.js';
import { startLogSearch } from './store/log-search.js';
import './styles.css';

startLogSearch();
connect((client, state) => useAppStore.getState().setConnection(client, state));

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
