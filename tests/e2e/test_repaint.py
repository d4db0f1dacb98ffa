"""A screen that only waits costs its PC little: every animation the wall's CSS can start is
stepped. A smooth one repaints the 4K page on every frame for as long as, say, a critical alert
stays open (measured: a third of a core in the renderer and a sixth in the GPU process)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import WallServer

# every rule of the wall's own stylesheets that starts an animation, put on the page as an element
# carrying its classes; then every running animation's keyframe easings, by animation name
ANIMATIONS = """() => {
  const rules = [];
  for (const sheet of document.styleSheets) {
    const own = sheet.href && sheet.href.includes('/assets/') && !sheet.href.includes('/vendor/');
    if (!own) continue;
    for (const rule of sheet.cssRules) {
      if (rule.style && rule.style.animationName && rule.style.animationName !== 'none') {
        rules.push(rule.selectorText);
      }
    }
  }
  const skipped = [];
  for (const selector of rules) {
    if (!/^(\\.[\\w-]+)+$/.test(selector)) { skipped.push(selector); continue; }
    const el = document.createElement('div');
    el.className = selector.split('.').filter(Boolean).join(' ');
    el.textContent = 'x';
    document.body.appendChild(el);
  }
  const easings = {};
  for (const a of document.getAnimations()) {
    easings[a.animationName] = a.effect.getKeyframes().map(k => k.easing);
  }
  return {rules, skipped, easings};
}"""


def test_every_animation_on_a_screen_is_stepped(browser: Any, wall_server: WallServer) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(wall_server.screen_url("s1"))
    page.wait_for_selector("[data-screen='s1'][data-synced]", timeout=60_000)
    found = page.evaluate(ANIMATIONS)
    assert found["rules"], "no animated rule found: the stylesheets were not read"
    assert found["skipped"] == [], f"rules this test cannot put on a page: {found['skipped']}"
    assert found["easings"], "no animation started from the animated rules"
    smooth = {name: e for name, e in found["easings"].items()
              if not all(x.startswith("steps(") or x in ("step-start", "step-end") for x in e)}
    assert smooth == {}, f"animations that repaint every frame: {smooth}"
    page.close()
