// Signing in with a token. Sign-in links never show this form: the page opens signed in, or
// here with the reason the link was refused.
import { useState } from 'preact/hooks';
import { TextField } from '../components/field.tsx';
import { Screen } from '../components/screen.tsx';

interface SignInProps {
  message: string | null;
  /** Resolves with why the token was refused, or null once signed in. */
  onSignIn: (token: string) => Promise<string | null>;
}

export function SignIn({ message, onSignIn }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!token.trim()) {
      setError('Enter your access token.');
      return;
    }
    setBusy(true);
    const refused = await onSignIn(token.trim());
    setBusy(false);
    setError(refused ?? undefined);
  };

  return (
    <main id="main" class="signin">
      <Screen title="Sign in to manage your webhooks">
        {message && <div class="alert alert-error" role="alert"><p>{message}</p></div>}
        <form class="card" onSubmit={(e) => void submit(e)} noValidate>
          <TextField
            id="signin-token" label="Access token" type="password" autoComplete="off" spellcheck={false}
            hint="The token your administrator gave you (rls_tnt_…), or the admin token. Opening a sign-in link from your product signs you in directly."
            value={token} onValue={setToken} error={error}
          />
          <div class="actions">
            <button type="submit" class="button-primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
          </div>
        </form>
        <p class="muted small">The token is kept in this browser tab only, until you sign out or close it.</p>
      </Screen>
    </main>
  );
}
