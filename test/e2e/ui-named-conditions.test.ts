import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiSession, type UiSession } from '../helpers/ui-session.js';

/**
 * A route may name a stored condition (Vamp's /conditions): the editor's condition field must take the
 * name as the engine does, say what it stands for, and offer the stored names as completions.
 */
describe('a named condition in the editor', () => {
  let ui: UiSession;
  beforeAll(async () => {
    ui = await startUiSession(
      `conditions:\n  beta-users: has cookie beta\ngateways:\n  - name: shop\n    port: 0\n    routes:\n      a: { target: "http://127.0.0.1:9", weight: 100% }\n      b: { target: "http://127.0.0.1:9", weight: 0% }\n`,
    );
  }, 30_000);
  afterAll(() => ui?.close());

  it('explains a stored condition by name, offers the name, and applies it', async () => {
    const page = ui.page;
    await page.getByText('shop').first().click();
    const field = page.locator('#condition-1');
    await field.fill('beta');
    await page.getByRole('option', { name: 'beta-users' }).waitFor();
    await field.fill('beta-users');
    const explain = page.locator('#condition-1-explain');
    await expect
      .poll(() => explain.textContent(), { timeout: 3000 })
      .toContain("Uses the stored condition 'beta-users'");
    expect(await explain.getAttribute('class')).toBe('explain');
    const apply = page.getByRole('button', { name: 'Apply' });
    await expect.poll(() => apply.isDisabled(), { timeout: 3000 }).toBe(false);
    await apply.click();
    await expect
      .poll(
        async () =>
          (await ui.api('/api/v1/gateways/shop')).json<{ routes: { b: { condition?: string } } }>().routes.b
            .condition,
        { timeout: 3000 },
      )
      .toBe('beta-users');
  });
});
