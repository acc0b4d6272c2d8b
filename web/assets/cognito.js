// Staff sign-in with Cognito's user-pool API (USER_PASSWORD_AUTH). The endpoint comes from config.json:
// AWS's Cognito in production, the local stack's AWS endpoint under `make run`; the code is the same.
import { config } from "./api.js";

export class SignInError extends Error {}

async function cognito(action, body) {
  const { cognito: settings } = await config();
  const answer = await fetch(settings.endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify({ ClientId: settings.client_id, ...body }),
  });
  const result = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new SignInError(result.message || result.__type || `Sign-in failed (HTTP ${answer.status})`);
  return result;
}

/** Start signing in: a session ({idToken, expiresAt}) or a challenge ({challenge, session, username}). */
export async function signIn(username, password) {
  const result = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return outcome(result, username);
}

/** Answer NEW_PASSWORD_REQUIRED (first sign-in of an account an administrator created) or SOFTWARE_TOKEN_MFA. */
export async function answerChallenge(pending, answer) {
  const responses = { USERNAME: pending.username };
  if (pending.challenge === "NEW_PASSWORD_REQUIRED") responses.NEW_PASSWORD = answer;
  else responses.SOFTWARE_TOKEN_MFA_CODE = answer;
  const result = await cognito("RespondToAuthChallenge", {
    ChallengeName: pending.challenge,
    Session: pending.session,
    ChallengeResponses: responses,
  });
  return outcome(result, pending.username);
}

function outcome(result, username) {
  if (result.AuthenticationResult) {
    const { IdToken: idToken, ExpiresIn: seconds } = result.AuthenticationResult;
    return { idToken, expiresAt: Date.now() + (seconds - 60) * 1000 };
  }
  if (["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA"].includes(result.ChallengeName)) {
    return { challenge: result.ChallengeName, session: result.Session, username };
  }
  throw new SignInError(`This console cannot answer the sign-in step ${result.ChallengeName}; ask an administrator.`);
}
