// The staff console's list as a CSV file, and which requests are past their expected time.

// A spreadsheet runs a cell starting with one of these as a formula (a tab or CR can hide one).
const FORMULA_LEADS = ["=", "+", "-", "@", "\t", "\r"];

export function safeCell(value) {
  if (value == null) return "";
  const text = String(value);
  const guarded = typeof value === "string" && FORMULA_LEADS.some((lead) => text.startsWith(lead)) ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

// RFC 4180: a header, then a line per row, CRLF line ends.
export function csvText(columns, rows) {
  const lines = [columns.map(([, heading]) => safeCell(heading)).join(",")];
  for (const row of rows) lines.push(columns.map(([pick]) => safeCell(pick(row))).join(","));
  return lines.join("\r\n") + "\r\n";
}

export function isOverdue(request, now = new Date()) {
  return request.status === "open" && Boolean(request.expected_at) && new Date(request.expected_at) < now;
}
