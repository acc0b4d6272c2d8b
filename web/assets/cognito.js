// Staff sign-in with Cognito's user-pool API: SRP (the password never leaves the browser), then a code from an
// authenticator app. The endpoint comes from config.json: AWS's Cognito in production, the local stack's AWS
// endpoint under `make run`; the code is the same.
import { config } from "./api.js";
import { srpAttempt } from "./srp.js";

export class SignInError extends Error {}

async function cognito(action, body) {
  const { cognito: settings } = await config();
  const answer = await fetch(settings.endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(action.endsWith("SoftwareToken") ? body : { ClientId: settings.client_id, ...body }),
  });
  const result = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new SignInError(result.message || result.__type || `Sign-in failed (HTTP ${answer.status})`);
  return result;
}

/** Start signing in: a session ({idToken, expiresAt}) or a challenge ({challenge, session, username}). */
export async function signIn(username, password) {
  const { cognito: settings } = await config();
  const attempt = srpAttempt(settings.user_pool_id);
  const started = await cognito("InitiateAuth", {
    AuthFlow: "USER_SRP_AUTH",
    AuthParameters: { USERNAME: username, SRP_A: attempt.publicA },
  });
  if (started.ChallengeName !== "PASSWORD_VERIFIER") return outcome(started, username);
  const result = await cognito("RespondToAuthChallenge", {
    ChallengeName: "PASSWORD_VERIFIER",
    ChallengeResponses: await attempt.answer(password, started.ChallengeParameters),
  });
  return outcome(result, username);
}

/** Answer NEW_PASSWORD_REQUIRED (an account's first sign-in), MFA_SETUP (enrolling the app) or SOFTWARE_TOKEN_MFA. */
export async function answerChallenge(pending, answer) {
  if (pending.challenge === "MFA_SETUP") {
    const verified = await cognito("VerifySoftwareToken", { Session: pending.session, UserCode: answer });
    const result = await cognito("RespondToAuthChallenge", {
      ChallengeName: "MFA_SETUP",
      Session: verified.Session,
      ChallengeResponses: { USERNAME: pending.username },
    });
    return outcome(result, pending.username);
  }
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

/** A new hour-long ID token from the refresh token (which lasts a shift; an administrator can revoke it). */
export async function refresh(refreshToken) {
  const result = await cognito("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
  return { ...(await outcome(result, "")), refreshToken };
}

async function outcome(result, username) {
  if (result.AuthenticationResult) {
    const { IdToken: idToken, ExpiresIn: seconds, RefreshToken: refreshToken } = result.AuthenticationResult;
    return { idToken, expiresAt: Date.now() + (seconds - 60) * 1000, refreshToken };
  }
  if (result.ChallengeName === "MFA_SETUP") {
    // The account has no authenticator yet: Cognito hands out a secret to add to one, then asks for a code.
    const associated = await cognito("AssociateSoftwareToken", { Session: result.Session });
    return { challenge: "MFA_SETUP", session: associated.Session || result.Session, username, secret: associated.SecretCode };
  }
  if (["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA"].includes(result.ChallengeName)) {
    return { challenge: result.ChallengeName, session: result.Session, username };
  }
  throw new SignInError(`This console cannot answer the sign-in step ${result.ChallengeName}; ask an administrator.`);
}
