// Answers what the resolver cannot know by itself (see core/variables/asks.ts): values the user
// types (`# @prompt`, `{{$input}}`) through an injected `prompt` callback (a TTY prompt in the
// CLI, an input box in VS Code; the runner never imports either), and OAuth2 tokens through the
// run's engine. Answers go into `ctx.asked`; secret ones are reported so recordings redact them.

import type { HttpFile } from '../core/httpfile/ast';
import { WlError, type SourceLocation } from '../core/errors';
import { authConfig, authField, type Ask, type AuthConfig } from '../core/variables/asks';
import { loadEnvironments, VariableResolver, type ResolveContext } from '../core/variables/index';
import type { HttpEngine } from './http/engine';
import { OAuthTokens } from './auth/oauth2';

/** Asks the user for a value; resolves undefined when they cancel. */
export type PromptFn = (name: string, description: string | undefined, opts: { secret: boolean }) => Promise<string | undefined>;

export interface AskAnswererOptions {
  prompt?: PromptFn;
  /** Tokens kept across runs (the editor keeps one for its session); else per answerer. */
  tokens?: OAuthTokens;
  /** Called with secret values as soon as they are known (before anything that carries them is recorded). */
  onSecrets?(values: string[]): void;
}

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export class AskAnswerer {
  readonly secrets = new Set<string>();
  private readonly tokens: OAuthTokens;

  constructor(private readonly opts: AskAnswererOptions) {
    this.tokens = opts.tokens ?? new OAuthTokens();
  }

  private addSecrets(values: Array<string | undefined>): void {
    const fresh = values.filter((v): v is string => !!v && !this.secrets.has(v));
    for (const v of fresh) this.secrets.add(v);
    if (fresh.length) this.opts.onSecrets?.(fresh);
  }

  /** Questions being answered: requests running side by side (pipeline, h2) ask each one once. */
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Answers every ask into `ctx.asked`; throws a coded WlError for the first that cannot be answered. */
  async answer(asks: Ask[], file: HttpFile, ctx: ResolveContext, engine: HttpEngine, source: SourceLocation, signal?: AbortSignal): Promise<void> {
    const asked = (ctx.asked ??= new Map());
    for (const ask of asks) {
      if (asked.has(ask.key)) continue;
      let p = this.inFlight.get(ask.key);
      if (!p) {
        p = this.answerOne(ask, asked, file, ctx, engine, source, signal).finally(() => this.inFlight.delete(ask.key));
        this.inFlight.set(ask.key, p);
      }
      await p;
    }
  }

  private async answerOne(ask: Ask, asked: Map<string, string>, file: HttpFile, ctx: ResolveContext, engine: HttpEngine, source: SourceLocation, signal?: AbortSignal): Promise<void> {
    if (ask.kind === 'prompt') {
      if (!this.opts.prompt) {
        throw new WlError(
          'WL_VAR_PROMPT',
          `${ask.name} is asked for when sent (\`@prompt\` / \`$input\`), and there is no terminal to ask on: pass --var ${/\s/.test(ask.name) ? `"${ask.name}=VALUE"` : `${ask.name}=VALUE`}`,
          { phase: 'resolve', source },
        );
      }
      const value = await this.opts.prompt(ask.name, ask.description, { secret: ask.secret });
      if (value === undefined) throw new WlError('WL_CANCELLED', `not sent: no value was given for ${ask.name}`, { phase: 'resolve', source });
      if (ask.secret) this.addSecrets([value]);
      asked.set(ask.key, value);
      return;
    }
    const env = ctx.environments ?? loadEnvironments(ctx);
    const { config } = authConfig(env, ctx.envName, ask.id);
    if (!config) throw new WlError('WL_AUTH_UNKNOWN', `no auth configuration "${ask.id}" under Security.Auth`, { phase: 'resolve', source });
    // Configuration values may use variables (`"Token URL": "{{host}}/token"`).
    const res = new VariableResolver(file, ctx, env);
    const values: AuthConfig = {};
    for (const [k, v] of Object.entries(config)) {
      const r = res.substituteString(v, ZERO);
      if (!r.complete) {
        const d = res.diagnostics.find((x) => x.severity === 'error');
        throw new WlError(d?.code ?? 'WL_VAR_UNRESOLVED', `auth "${ask.id}", "${k}": ${d?.message ?? 'a variable could not be resolved'}`, { phase: 'resolve', source });
      }
      values[k] = r.text;
    }
    // The client secret and the user's password go out in the token request: redact them from the start.
    this.addSecrets([...res.secrets, authField(values, 'Client Secret'), authField(values, 'Password')]);
    const token = await this.tokens.get(ctx.envName, ask.id, values, engine, source, signal);
    this.addSecrets([token.accessToken, token.idToken]);
    asked.set(`token:${ask.id}`, token.accessToken);
    if (token.idToken) asked.set(`idToken:${ask.id}`, token.idToken);
    else if (ask.which === 'idToken') throw new WlError('WL_AUTH_TOKEN', `auth "${ask.id}": the token response has no id_token (ask for the openid scope)`, { phase: 'resolve', source });
  }
}
