// The staff console: sign in, then escalations and the review queue (live), requests, unmet needs and shelter beds.
import { ApiError, call, open311 } from "./api.js";
import { SignInError, answerChallenge, refresh, signIn } from "./cognito.js";
import { csvText, isOverdue } from "./csv.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 10000;
// A doubtful report has 2 minutes before it goes to 911 by itself: its queue refreshes faster.
const REVIEW_REFRESH_MS = 3000;
const SESSION_KEY = "civic311-staff-session";
let pending = null; // a sign-in challenge waiting for an answer
let refresher = null;
let detailId = null;
let listed = []; // the requests the list shows, for its CSV download

// ------------------------------------------------------------------ session

function session() {
  const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  return saved && saved.expiresAt > Date.now() ? saved : null;
}

/** The session, renewed with the refresh token once its hour-long ID token has expired (null if it cannot be). */
async function liveSession() {
  const current = session();
  if (current) return current;
  const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  if (!saved?.refreshToken) return null;
  try {
    const renewed = await refresh(saved.refreshToken);
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(renewed));
    return renewed;
  } catch {
    return null;
  }
}

/** A staff API call with the ID token; an expired or refused token signs the console out. */
async function staff(path, options = {}) {
  const current = await liveSession();
  if (!current) return signOut("Your session ended. Please sign in again.");
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${current.idToken}` };
  if (options.body) headers["Content-Type"] = "application/json";
  try {
    return await call(path, { ...options, headers });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signOut("Your session ended. Please sign in again.");
    throw error;
  }
}

function announce(message) {
  $("live").textContent = message;
}

async function submitSignIn(event) {
  event.preventDefault();
  const button = $("signin-button");
  $("signin-error").textContent = "";
  button.disabled = true;
  try {
    const result = pending
      ? await answerChallenge(pending, (pending.challenge === "NEW_PASSWORD_REQUIRED" ? $("new-password") : $("mfa-code")).value)
      : await signIn($("username").value.trim(), $("password").value);
    if (result.challenge) {
      pending = result;
      const newPassword = result.challenge === "NEW_PASSWORD_REQUIRED";
      $("new-password-field").hidden = !newPassword;
      $("mfa-field").hidden = newPassword;
      $("mfa-setup").hidden = result.challenge !== "MFA_SETUP";
      $("mfa-secret").textContent = result.secret || "";
      const field = newPassword ? "new-password" : "mfa-code";
      $(field).value = "";
      $(field).focus();
      return;
    }
    pending = null;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(result));
    $("signin-form").reset();
    showConsole();
  } catch (error) {
    const message = error instanceof SignInError ? error.message : "Could not reach the sign-in service.";
    $("signin-error").textContent = message;
  } finally {
    button.disabled = false;
  }
}

function signOut(message = "") {
  sessionStorage.removeItem(SESSION_KEY);
  clearInterval(refresher);
  pending = null;
  $("console").hidden = true;
  $("sign-out").hidden = true;
  $("signin").hidden = false;
  $("new-password-field").hidden = true;
  $("mfa-field").hidden = true;
  $("mfa-setup").hidden = true;
  $("signin-error").textContent = message;
  $("signin").querySelector("h1").focus();
}

function showConsole() {
  $("signin").hidden = true;
  $("console").hidden = false;
  $("sign-out").hidden = false;
  selectTab("tab-escalations");
  loadServices();
}

// ------------------------------------------------------------------ tabs (WAI-ARIA tabs, manual activation)

const tabs = () => [...document.querySelectorAll('[role="tab"]')];

function selectTab(id, focus = false) {
  for (const tab of tabs()) {
    const selected = tab.id === id;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) $(id).focus();
  clearInterval(refresher);
  if (id === "tab-escalations") {
    loadEscalations();
    refresher = setInterval(loadEscalations, REFRESH_MS);
  } else if (id === "tab-review") {
    loadReviews();
    refresher = setInterval(loadReviews, REVIEW_REFRESH_MS);
  } else if (id === "tab-requests") loadRequests();
  else if (id === "tab-gaps") loadGaps();
  else if (id === "tab-shelters") loadShelters();
}

function tabKeys(event) {
  const all = tabs();
  const index = all.indexOf(document.activeElement);
  const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: all.length - 1 - index };
  if (index < 0 || !(event.key in moves)) return;
  event.preventDefault();
  selectTab(all[(index + moves[event.key] + all.length) % all.length].id, true);
}

// ------------------------------------------------------------------ escalations

function when(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "America/Phoenix" })
    .format(new Date(iso));
}

function place(request) {
  const { address, lat, long } = request.place || {};
  return address || (lat != null ? `${lat}, ${long}` : "no location");
}

async function loadEscalations() {
  let waiting;
  try {
    waiting = await staff("/v1/escalations");
  } catch (error) {
    $("escalations-status").textContent = `Could not load escalations: ${error.message}`;
    return;
  }
  if (!waiting) return;
  const list = $("escalations");
  const shown = new Set([...list.children].map((item) => item.dataset.id));
  const fresh = waiting.filter((request) => !shown.has(request.service_request_id));
  $("escalations-status").textContent = waiting.length
    ? `${waiting.length} waiting. Updated ${when(new Date().toISOString())}.`
    : "None waiting.";
  if (fresh.length && shown.size) announce(`${fresh.length} new emergency ${fresh.length === 1 ? "escalation" : "escalations"}.`);
  list.replaceChildren(...waiting.map(escalationCard));
}

function escalationCard(request) {
  const item = element("li", { className: "card urgent" });
  item.dataset.id = request.service_request_id;
  const title = element("h3", { textContent: `${request.service_request_id} · ${request.service_code}` });
  const alert = request.alert ? `${request.alert.kind}, alert ${request.alert.status}` : "";
  const signals = request.screening?.signals?.length ? ` · signals: ${request.screening.signals.join(", ")}` : "";
  item.append(
    title,
    element("p", { textContent: request.description || "(no description)" }),
    element("p", { className: "meta", textContent: `${place(request)} · ${when(request.requested_at)} · ${alert}${signals}` }),
  );
  const button = element("button", { type: "button", textContent: "Acknowledge" });
  button.setAttribute("aria-label", `Acknowledge ${request.service_request_id}`);
  button.addEventListener("click", () => acknowledge(request.service_request_id, item, button));
  item.append(button);
  return item;
}

async function acknowledge(id, item, button) {
  button.disabled = true;
  try {
    await staff(`/v1/requests/${encodeURIComponent(id)}/acknowledge`, { method: "POST", body: "{}" });
    item.remove();
    announce(`Request ${id} acknowledged.`);
    $("escalations-status").textContent = `Request ${id} acknowledged.`;
    $("escalations").querySelector("button")?.focus();
  } catch (error) {
    button.disabled = false;
    $("escalations-status").textContent = `Could not acknowledge ${id}: ${error.message}`;
  }
}

// ------------------------------------------------------------------ review queue

async function loadReviews() {
  let waiting;
  try {
    waiting = await staff("/v1/reviews");
  } catch (error) {
    $("reviews-status").textContent = `Could not load the review queue: ${error.message}`;
    return;
  }
  if (!waiting) return;
  const list = $("reviews");
  const shown = new Map([...list.children].map((item) => [item.dataset.id, item]));
  const fresh = waiting.filter((request) => !shown.has(request.service_request_id));
  if (!$("reviews-status").dataset.answer) {
    $("reviews-status").textContent = waiting.length
      ? `${waiting.length} to review. Updated ${when(new Date().toISOString())}.`
      : "Nothing to review.";
  }
  if (fresh.length && shown.size) announce(`${fresh.length} new ${fresh.length === 1 ? "report" : "reports"} to review.`);
  // Keep the cards already shown (and a note being typed); add new ones, drop those answered or expired.
  list.replaceChildren(...waiting.map((request) => shown.get(request.service_request_id) || reviewCard(request)));
}

function reviewCard(request) {
  const id = request.service_request_id;
  const item = element("li", { className: "card urgent" });
  item.dataset.id = id;
  const signals = request.screening?.signals?.length ? ` · signals: ${request.screening.signals.join(", ")}` : "";
  const noteId = `review-note-${id}`;
  const label = element("label", { htmlFor: noteId, textContent: `Note for ${id} (optional)` });
  const note = element("input", { id: noteId, type: "text", maxLength: 500 });
  const field = element("div", { className: "field" });
  field.append(label, note);
  const escalate = element("button", { type: "button", textContent: "Escalate to 911" });
  escalate.setAttribute("aria-label", `Escalate ${id} to 911`);
  const clear = element("button", { type: "button", className: "secondary", textContent: "Clear" });
  clear.setAttribute("aria-label", `Clear ${id}: not a 911 matter`);
  const actions = element("div", { className: "actions" });
  actions.append(escalate, clear);
  escalate.addEventListener("click", () => answerReview(id, "escalate", note, item, [escalate, clear]));
  clear.addEventListener("click", () => answerReview(id, "clear", note, item, [escalate, clear]));
  item.append(
    element("h3", { textContent: `${id} · ${request.service_code}` }),
    element("p", { textContent: request.description || "(no description)" }),
    element("p", { className: "meta", textContent: `${place(request)} · ${when(request.requested_at)}${signals}` }),
    field,
    actions,
  );
  return item;
}

async function answerReview(id, outcome, note, item, buttons) {
  for (const button of buttons) button.disabled = true;
  const body = { outcome };
  if (note.value.trim()) body.note = note.value.trim();
  const status = $("reviews-status");
  try {
    await staff(`/v1/requests/${encodeURIComponent(id)}/review`, { method: "POST", body: JSON.stringify(body) });
    item.remove();
    const said = outcome === "escalate" ? `Request ${id} escalated to 911.` : `Request ${id} cleared: it stays with 311.`;
    status.textContent = said;
    status.dataset.answer = "shown";
    setTimeout(() => delete status.dataset.answer, 5000);
    announce(said);
    $("reviews").querySelector("button")?.focus();
  } catch (error) {
    for (const button of buttons) button.disabled = false;
    if (error instanceof ApiError && error.status === 409) item.remove(); // answered elsewhere, or it went to 911 by itself
    status.textContent = `Could not answer ${id}: ${error.message}`;
  }
}

// ------------------------------------------------------------------ requests

async function loadServices() {
  const select = $("filter-service");
  if (select.options.length > 1) return;
  try {
    for (const service of await open311.services("en")) {
      select.append(element("option", { value: service.service_code, textContent: service.service_name }));
    }
  } catch {
    // The filter still works with "Any".
  }
}

async function loadRequests(event) {
  event?.preventDefault();
  const form = new FormData($("request-filters"));
  const query = new URLSearchParams({ days: form.get("days") || "30", limit: "100" });
  for (const name of ["status", "service_code"]) if (form.get(name)) query.set(name, form.get(name));
  $("requests-status").textContent = "Loading…";
  let found;
  try {
    found = await staff(`/v1/requests?${query}`);
  } catch (error) {
    $("requests-status").textContent = `Could not load requests: ${error.message}`;
    return;
  }
  if (!found) return;
  const now = new Date();
  const overdue = found.filter((request) => isOverdue(request, now)).length;
  $("requests-status").textContent =
    `${found.length} ${found.length === 1 ? "request" : "requests"}.` + (overdue ? ` ${overdue} overdue.` : "");
  $("requests-table").hidden = !found.length;
  listed = found;
  $("download-csv").disabled = !found.length;
  $("requests").replaceChildren(
    ...found.map((request) => {
      const open = element("button", { type: "button", className: "secondary", textContent: request.service_request_id });
      open.setAttribute("aria-label", `Open request ${request.service_request_id}`);
      open.addEventListener("click", () => showRequest(request.service_request_id));
      const late = isOverdue(request, now);
      const row = element("tr", { className: late ? "overdue" : "" });
      const first = element("td");
      first.append(open);
      // Said in words, not by colour alone: "open, overdue since …".
      const status = (late ? `${request.status}, overdue since ${when(request.expected_at)}` : request.status)
        + (request.reopens ? `, reopened by the resident${request.reopens > 1 ? ` ${request.reopens} times` : ""}` : "");
      row.append(first, ...[request.service_code, status, when(request.requested_at), place(request)].map(
        (value) => element("td", { textContent: value }),
      ));
      return row;
    }),
  );
}

// The list as shown (its filters applied), as a CSV file staff can open in a spreadsheet.
const CSV_COLUMNS = [
  [(request) => request.service_request_id, "service_request_id"],
  [(request) => request.service_code, "service_code"],
  [(request) => request.status, "status"],
  [(request) => (isOverdue(request) ? "yes" : "no"), "overdue"],
  [(request) => request.requested_at, "requested_at"],
  [(request) => request.expected_at, "expected_at"],
  [(request) => request.channel, "channel"],
  [(request) => place(request), "place"],
];

function downloadCsv() {
  const blob = new Blob([csvText(CSV_COLUMNS, listed)], { type: "text/csv;charset=utf-8" });
  const link = element("a", { href: URL.createObjectURL(blob), download: `requests-${new Date().toISOString().slice(0, 10)}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

async function showRequest(id) {
  detailId = id;
  let request;
  try {
    request = await staff(`/v1/requests/${encodeURIComponent(id)}`);
  } catch (error) {
    $("requests-status").textContent = `Could not open ${id}: ${error.message}`;
    return;
  }
  $("request-detail").hidden = false;
  $("detail-title").textContent = `Request ${id} · ${request.service_code} · ${request.status}`;
  const updates = element("ol", { className: "updates" });
  for (const update of request.updates) {
    const item = element("li");
    item.append(
      element("strong", { textContent: `${when(update.updated_at)} · ${update.status}${update.public ? "" : " (staff only)"}` }),
      element("p", { textContent: update.description }),
    );
    updates.append(item);
  }
  $("detail-body").replaceChildren(
    element("p", { textContent: request.description || "(no description)" }),
    element("p", { className: "meta", textContent: `${place(request)} · ${request.agency_responsible || ""}` }),
    element("p", { className: "notes", textContent: request.status_notes || "" }),
    element("p", { className: "supporters", textContent: `"Me too" from ${request.supporters ?? 0} other resident(s)` }),
    element("p", {
      className: "satisfaction",
      textContent: request.satisfaction
        ? `Resident ${request.satisfaction.satisfied ? "was satisfied" : "was not satisfied"} (${when(request.satisfaction.at)})`
        : "",
    }),
    element("h4", { textContent: "Updates" }),
    request.updates.length ? updates : element("p", { textContent: "No updates yet." }),
  );
  $("detail-title").focus();
}

async function addUpdate(resolve) {
  const note = $("update-note").value.trim();
  $("update-error").textContent = "";
  if (!note) {
    $("update-error").textContent = "Write a note first.";
    $("update-note").focus();
    return;
  }
  try {
    await staff(`/v1/requests/${encodeURIComponent(detailId)}/updates`, {
      method: "POST",
      body: JSON.stringify({ note, resolve, public: resolve || $("update-public").checked }),
    });
    $("update-note").value = "";
    // Each public note is a choice made on purpose: the box starts unticked again.
    $("update-public").checked = false;
    announce(resolve ? `Request ${detailId} is being resolved.` : `Note added to ${detailId}.`);
    await showRequest(detailId);
  } catch (error) {
    $("update-error").textContent = error.message;
  }
}

// ------------------------------------------------------------------ gaps

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

async function loadGaps(event) {
  event?.preventDefault();
  if (!$("gaps-to").value) {
    const now = new Date();
    $("gaps-to").value = isoDay(now);
    $("gaps-from").value = isoDay(new Date(now.getTime() - 29 * 86400000));
  }
  const query = new URLSearchParams({
    from: `${$("gaps-from").value}T00:00:00-07:00`,
    to: `${$("gaps-to").value}T23:59:59-07:00`,
  });
  let report;
  try {
    report = await staff(`/v1/gaps?${query}`);
  } catch (error) {
    $("gaps-status").textContent = `Could not load the report: ${error.message}`;
    return;
  }
  if (!report) return;
  $("gaps-status").textContent = `${report.total} unmet ${report.total === 1 ? "need" : "needs"}.`;
  $("gaps-table").hidden = !report.groups.length;
  $("gaps").replaceChildren(
    ...report.groups.map((group) => {
      const row = element("tr");
      const reasons = Object.entries(group.reasons).map(([reason, count]) => `${reason} (${count})`).join(", ");
      row.append(...[group.service_code, group.area.label, String(group.count), reasons, when(group.last)].map(
        (value) => element("td", { textContent: value }),
      ));
      return row;
    }),
  );
  const declined = report.declined_referrals ?? [];
  $("declined-status").textContent = `${report.declined_total ?? 0} declined ${report.declined_total === 1 ? "referral" : "referrals"}.`;
  $("declined-table").hidden = !declined.length;
  $("declined").replaceChildren(
    ...declined.map((group) => {
      const row = element("tr");
      const needs = Object.entries(group.needs).map(([need, count]) => `${need} (${count})`).join(", ");
      const place = `${group.organization_name}: ${group.service_name}`;
      row.append(...[place, group.reason, String(group.count), needs, when(group.last)].map(
        (value) => element("td", { textContent: value }),
      ));
      return row;
    }),
  );
}

// ------------------------------------------------------------------ shelters

async function loadShelters() {
  let shelters;
  try {
    shelters = await staff("/v1/shelters");
  } catch (error) {
    $("shelters-status").textContent = `Could not load shelters: ${error.message}`;
    return;
  }
  if (!shelters) return;
  $("shelters-status").textContent = `${shelters.length} shelters.`;
  $("shelters-table").hidden = !shelters.length;
  $("shelters").replaceChildren(...shelters.map(shelterRow));
}

function shelterRow(shelter) {
  const row = element("tr");
  const name = element("td");
  name.append(
    element("strong", { textContent: shelter.name }),
    element("div", { className: "meta", textContent: [shelter.organization_name, shelter.address].filter(Boolean).join(" · ") }),
  );
  const id = `beds-${shelter.id}`;
  const beds = element("td");
  const label = element("label", {
    htmlFor: id,
    className: "visually-hidden cell-label",
    textContent: `Beds free at ${shelter.name}`,
  });
  const input = element("input", { id, type: "number", min: "0", className: "beds", value: shelter.beds_available ?? "" });
  beds.append(label, input);
  const updated = element("td", { textContent: shelter.updated_at ? `${when(shelter.updated_at)} (${shelter.source})` : "never" });
  const save = element("button", { type: "button", className: "secondary", textContent: "Save" });
  save.setAttribute("aria-label", `Save beds for ${shelter.name}`);
  save.addEventListener("click", async () => {
    try {
      const saved = await staff(`/v1/shelters/${encodeURIComponent(shelter.id)}/capacity`, {
        method: "PUT",
        body: JSON.stringify({ beds_available: Number(input.value) }),
      });
      updated.textContent = `${when(saved.updated_at)} (provider)`;
      $("shelters-status").textContent = `${shelter.name}: ${saved.beds_available} beds free.`;
    } catch (error) {
      $("shelters-status").textContent = `${shelter.name}: ${error.message}`;
    }
  });
  const action = element("td");
  action.append(save);
  row.append(name, beds, element("td", { textContent: shelter.beds_total ? `of ${shelter.beds_total} beds` : "" }), updated, action);
  return row;
}

// ------------------------------------------------------------------ start

function element(tag, properties = {}) {
  return Object.assign(document.createElement(tag), properties);
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", submitSignIn);
  $("sign-out").addEventListener("click", () => signOut());
  for (const tab of tabs()) tab.addEventListener("click", () => selectTab(tab.id));
  document.querySelector('[role="tablist"]').addEventListener("keydown", tabKeys);
  $("request-filters").addEventListener("submit", loadRequests);
  $("download-csv").addEventListener("click", downloadCsv);
  $("gap-filters").addEventListener("submit", loadGaps);
  $("update-form").addEventListener("submit", (event) => {
    event.preventDefault();
    addUpdate(false);
  });
  $("resolve").addEventListener("click", () => addUpdate(true));
  liveSession().then((current) => current && showConsole());
});
