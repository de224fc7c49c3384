// The tenant's page: entry point, bundled by src/api/page.ts.
import { render } from 'preact';
import { App } from './app.tsx';
import { takeLinkToken } from './session.ts';
import './styles.css';

render(<App linkToken={takeLinkToken()} />, document.getElementById('app')!);
