// Swagger UI in a real browser (conformance/run swagger-ui): Debian's headless
// Chromium, driven by playwright-core, clicks through the docs as a developer
// would. From /docs it follows the link to the sign-up surface, registers a user
// with "Try it out" and reads the 200; on the account surface it signs in with
// "Authorize" (client credentials), creates a user and reads the 201. Then it
// checks that every surface's page renders all the operations of its document.
// The /docs index must also pass axe-core with no serious or critical violation.
// Screenshots of each step go to the folder given as the first argument.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

const [screenshots] = process.argv.slice(2);
const baseUrl = process.env.CONFORMANCE_BASE_URL ?? "";
const bin = process.env.CONFORMANCE_BIN ?? "";
assert.ok(screenshots && baseUrl && bin, "usage: swagger-ui.mjs SCREENSHOT_DIR, with CONFORMANCE_BASE_URL and CONFORMANCE_BIN set");

const tenant = JSON.parse(
  execFileSync(bin, ["tenant", "create", "--name", "swagger-ui", "--json"], { encoding: "utf8" }),
);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  // As root in a sandboxed machine with no network beyond loopback.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(error.message));
page.setDefaultTimeout(15_000);
let step = 0;
const shot = (what) => page.screenshot({ path: `${screenshots}/${String(++step).padStart(2, "0")}-${what}.png`, fullPage: true });

/** Expands an operation, presses "Try it out", puts `body` in, executes; returns the response block. */
async function tryItOut(operationId, body) {
  const operation = page.locator(`#operations-default-${operationId}`);
  await operation.locator(".opblock-summary").click();
  await operation.getByRole("button", { name: "Try it out" }).click();
  await operation.locator("textarea.body-param__text").fill(JSON.stringify(body, null, 2));
  await operation.getByRole("button", { name: "Execute" }).click();
  const live = operation.locator(".live-responses-table .response");
  await live.waitFor();
  return live;
}

async function liveResponse(response) {
  const status = (await response.locator(".response-col_status").innerText()).trim();
  const text = await response.locator(".response-col_description .microlight").first().innerText();
  return { status, body: JSON.parse(text) };
}

try {
  // The index, then the sign-up surface by its link.
  await page.goto(`${baseUrl}/docs`);
  await shot("docs-index");
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const audit = await page.evaluate(() => globalThis.axe.run());
  const grave = audit.violations.filter((v) => ["serious", "critical"].includes(v.impact));
  assert.deepEqual(grave.map((v) => `${v.id}: ${v.help}`), [], "axe-core on /docs");
  console.log(`swagger-ui: /docs passes axe-core (${audit.passes.length} rules passed, ${audit.violations.length} minor findings)`);
  await page.locator('a[href="/docs/signup/"]').click();
  await page.waitForURL(`${baseUrl}/docs/signup/`);
  await page.locator("#operations-default-signUp").waitFor();
  const signUpName = `swagger_${randomUUID().slice(0, 8)}`;
  const signedUp = await liveResponse(
    await tryItOut("signUp", { username: signUpName, password: "Correct-Horse-9", client_id: tenant.client_id }),
  );
  await shot("signup-200");
  assert.equal(signedUp.status, "200");
  assert.equal(signedUp.body.user.username, signUpName);
  assert.ok(Number.isInteger(signedUp.body.user.id));

  // The account surface: Authorize with the client credentials flow.
  await page.goto(`${baseUrl}/docs/account/`);
  await page.getByRole("button", { name: "Authorize" }).first().click();
  const flow = page.locator(".auth-container").filter({ hasText: "Flow: clientCredentials" });
  await flow.locator("#client_id_clientCredentials").fill(tenant.client_id);
  await flow.locator("#client_secret_clientCredentials").fill(tenant.client_secret);
  await flow.locator('label[for="users:write-clientCredentials-checkbox-oauth2"]').click();
  await flow.scrollIntoViewIfNeeded();
  await shot("account-authorize");
  await flow.locator("button.authorize").click();
  await flow.locator("button", { hasText: "Logout" }).waitFor();
  await shot("account-authorized");
  await page.locator(".dialog-ux .close-modal").click();

  const accountName = `swagger_${randomUUID().slice(0, 8)}`;
  const created = await liveResponse(
    await tryItOut("createAccount", {
      username: accountName,
      email: `${accountName}@example.com`,
      password: "Correct-Horse-9",
    }),
  );
  await shot("account-201");
  assert.equal(created.status, "201");
  assert.equal(created.body.username, accountName);
  assert.equal(created.body.status, "active");
  // Every surface the index lists: its page renders each operation of its document.
  await page.goto(`${baseUrl}/docs`);
  const surfaces = await page.locator('a[href$="/openapi.json"]').evaluateAll((links) =>
    links.map((link) => link.getAttribute("href").split("/")[2]),
  );
  assert.ok(surfaces.length >= 6, `the index lists ${surfaces}`);
  for (const surface of surfaces) {
    const spec = await (await fetch(`${baseUrl}/docs/${surface}/openapi.json`)).json();
    const operations = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    await page.goto(`${baseUrl}/docs/${surface}/`);
    await page.locator(".opblock").nth(operations - 1).waitFor();
    assert.equal(await page.locator(".opblock").count(), operations, surface);
    await shot(`${surface}-rendered`);
  }
  assert.deepEqual(pageErrors, []);
  console.log(`swagger-ui: signed up ${signUpName} (200) and created ${accountName} (201); screenshots in ${screenshots}`);
} catch (error) {
  await shot("failure").catch(() => {});
  throw error;
} finally {
  await browser.close();
}
