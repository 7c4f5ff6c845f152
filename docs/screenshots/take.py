"""Screenshots of the demo city's main pages, for the README and for layout review.

Start a demo first, then run this with the project's Python (Playwright is a test extra):

    cd /tmp && TONGBAN_HOME=/tmp/tb-shots tongban demo --port 8000 &
    python docs/screenshots/take.py [--base-url http://127.0.0.1:8000] [--out docs/screenshots]

It logs in as the demo's seeded people (``tongban.demo.seed``: DEMO_LOGINS, password
Tongban2026), sends one SMS code so that the demo outbox has something to show, and writes
1280x800 PNGs plus one 390x844 (phone) PNG. It uses Debian's ``chromium`` (or
``$TONGBAN_CHROMIUM``) and never downloads a browser.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Tongban2026"
REPRESENTATIVE_MOBILE = "13800000001"  # 张晓明, legal representative of 上海浦江示范科技有限公司
AGENT_MOBILE = "13800000002"  # 李华, his enterprise's agent
CLERK = "clerk.weifang"  # 陈窗口, 窗口人员 at 潍坊新村街道社区事务受理服务中心
POLICE = "reviewer.pdpolice"  # 吴警官, reviewer at 浦东公安分局 (居住证)
MARKET_HEAD = "head.pdamr"  # 赵主任, head of 浦东新区市场监管局 (食品经营许可证)
GRID_INSPECTOR = "grid.weifang"  # 何网格, 网格员 of 潍坊新村街道
HOTLINE_SUPERVISOR = "supervisor.12345"  # 林督办, 督办员 of the 12345 office
PROVIDER_STEWARD = "steward.sh-police"  # 上海市公安局数据管理员, provider of 人口户籍信息
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def chromium() -> str:
    for candidate in (os.environ.get("TONGBAN_CHROMIUM"), "chromium", "chromium-browser"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    sys.exit("no chromium found: install Debian's chromium or set TONGBAN_CHROMIUM")


class Shooter:
    def __init__(self, browser: Browser, base_url: str, out: Path):
        self.browser, self.base_url, self.out = browser, base_url.rstrip("/"), out
        self.taken: list[Path] = []

    def page(self, viewport=DESKTOP) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url, viewport=viewport, locale="zh-CN", device_scale_factor=1
        )
        context.set_default_timeout(15_000)
        return context.new_page()

    def shot(self, page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path))  # exactly the viewport: 1280x800 or 390x844
        self.taken.append(path)
        print(f"{path}  {page.url}")


def log_in_citizen(page: Page, mobile: str) -> None:
    page.goto("/login/")
    page.get_by_label("身份证号码或手机号码", exact=True).fill(mobile)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="我的", exact=True)).to_be_visible()


def take_all(shooter: Shooter) -> None:
    public = shooter.page()
    public.goto("/")
    shooter.shot(public, "home")
    public.goto("/login/")
    shooter.shot(public, "login")
    public.goto("/register/")
    shooter.shot(public, "register")
    public.goto("/services/search/?q=开公司")
    shooter.shot(public, "catalog-search")
    public.get_by_role("link", name="企业设立登记").first.click()
    public.wait_for_load_state()
    shooter.shot(public, "catalog-guide")

    # An SMS code for the agent, so that the outbox shows a real message.
    public.goto("/login/sms/")
    public.get_by_label("手机号码", exact=True).fill(AGENT_MOBILE)
    public.get_by_role("button", name="获取验证码").click()
    public.wait_for_load_state()
    public.goto("/demo/outbox/")
    shooter.shot(public, "demo-outbox")
    public.context.close()

    representative = shooter.page()
    log_in_citizen(representative, REPRESENTATIVE_MOBILE)
    shooter.shot(representative, "me-representative")
    representative.get_by_role("link", name="管理经办人").first.click()
    expect(representative.get_by_role("heading", name="新增经办人")).to_be_visible()
    shooter.shot(representative, "entity-agents")
    representative.context.close()

    clerk = shooter.page()
    clerk.goto("/workbench/login/")
    clerk.get_by_label("工号/登录名", exact=True).fill(CLERK)
    clerk.get_by_label("密码", exact=True).fill(PASSWORD)
    clerk.get_by_role("button", name="登录", exact=True).click()
    expect(clerk.get_by_role("heading", name="我的岗位")).to_be_visible()
    shooter.shot(clerk, "workbench-counter-clerk")
    clerk.context.close()

    take_cases(shooter)
    take_licences(shooter)
    take_hotline(shooter)
    take_hotline_office(shooter)
    take_exchange(shooter)

    phone = shooter.page(viewport=PHONE)
    log_in_citizen(phone, REPRESENTATIVE_MOBILE)
    shooter.shot(phone, "me-representative-mobile")
    phone.context.close()


def log_in_staff(page: Page, username: str) -> None:
    page.goto("/workbench/login/")
    page.get_by_label("工号/登录名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="我的岗位")).to_be_visible()


def take_cases(shooter: Shooter) -> None:
    """Applying, 我的办件, the staff queue and case page, the counter and appointments."""
    citizen = shooter.page()
    log_in_citizen(citizen, REPRESENTATIVE_MOBILE)
    citizen.goto("/services/search/?q=居住证")
    citizen.get_by_role("link", name="居住证办理").first.click()
    citizen.get_by_role("link", name="在线办理").first.click()
    shooter.shot(citizen, "case-apply")
    citizen.goto("/me/cases/")
    shooter.shot(citizen, "my-cases")
    citizen.get_by_role("row").filter(has_text="待补正").get_by_role("link").first.click()
    shooter.shot(citizen, "my-case-correction")
    citizen.goto("/appointments/")
    citizen.get_by_role("link", name="居住证业务").first.click()
    shooter.shot(citizen, "appointments")
    citizen.context.close()

    public = shooter.page()
    public.goto("/status/")
    shooter.shot(public, "case-status")
    public.context.close()

    police = shooter.page()
    log_in_staff(police, POLICE)
    police.goto("/workbench/cases/?kind=review")
    shooter.shot(police, "workbench-queue")
    police.get_by_role("row").filter(has_text="已超期").get_by_role("link").first.click()
    shooter.shot(police, "workbench-case")
    police.context.close()

    clerk = shooter.page()
    log_in_staff(clerk, CLERK)
    clerk.goto("/workbench/counter/?q=居住证")
    clerk.get_by_role("link", name="居住证办理").first.click()
    shooter.shot(clerk, "workbench-counter-intake")
    clerk.goto("/workbench/appointments/")
    shooter.shot(clerk, "workbench-appointments")
    clerk.context.close()


def take_licences(shooter: Shooter) -> None:
    """我的证照, a verifier's view of a 授权用证 link, and the workbench's licence page."""
    citizen = shooter.page()
    log_in_citizen(citizen, REPRESENTATIVE_MOBILE)
    citizen.goto("/me/licences/")
    shooter.shot(citizen, "licence-wallet")
    citizen.get_by_test_id("wallet").get_by_role("link", name="居住证").first.click()
    citizen.get_by_role("link", name="授权用证").click()
    for label in ("持证主体", "有效期起始", "有效期截止"):
        citizen.get_by_label(label, exact=True).check()
    citizen.get_by_label("1 天", exact=True).check()
    citizen.get_by_role("button", name="生成授权链接").click()
    link = citizen.get_by_test_id("share-link").inner_text()
    citizen.context.close()

    verifier = shooter.page()
    verifier.goto(link)
    verifier.get_by_label("用途（选填）").fill("租房核验")
    verifier.get_by_role("button", name="查看并核验").click()
    expect(verifier.get_by_test_id("verify-result")).to_be_visible()
    shooter.shot(verifier, "licence-share")
    verifier.context.close()

    head = shooter.page()
    log_in_staff(head, MARKET_HEAD)
    head.goto("/workbench/licences/?status=valid")
    head.get_by_test_id("licences").get_by_role("link", name="食品经营许可证").first.click()
    expect(head.get_by_test_id("history")).to_be_visible()
    shooter.shot(head, "workbench-licence")
    head.context.close()


def take_hotline(shooter: Shooter) -> None:
    """The grid inspector's 网格巡查 page after filing a finding."""
    grid = shooter.page()
    log_in_staff(grid, GRID_INSPECTOR)
    grid.goto("/workbench/hotline/grid/")
    grid.get_by_label("问题类型").select_option(label="投诉")
    grid.get_by_label("问题描述").fill("潍坊路口人行道上堆放建筑垃圾，行人只能绕到机动车道。")
    grid.get_by_label("地址", exact=True).fill("张杨路1号")
    grid.get_by_role("button", name="登记工单").click()
    expect(grid.get_by_test_id("grid-findings")).to_be_visible()
    shooter.shot(grid, "hotline-grid")
    grid.context.close()


def take_exchange(shooter: Shooter) -> None:
    """The provider's data steward's 数据共享交换 desk, and a person's 数据使用记录."""
    steward = shooter.page()
    log_in_staff(steward, PROVIDER_STEWARD)
    steward.goto("/workbench/exchange/")
    shooter.shot(steward, "workbench-exchange")
    steward.context.close()

    citizen = shooter.page()
    log_in_citizen(citizen, REPRESENTATIVE_MOBILE)
    citizen.goto("/me/data-use/")
    shooter.shot(citizen, "me-data-use")
    citizen.context.close()


def take_hotline_office(shooter: Shooter) -> None:
    """The 12345 office's supervision board and analysis over the demo's seeded year."""
    office = shooter.page()
    log_in_staff(office, HOTLINE_SUPERVISOR)
    office.goto("/workbench/hotline/board/")
    shooter.shot(office, "hotline-board")
    office.goto("/workbench/hotline/analysis/")
    shooter.shot(office, "hotline-analysis")
    office.context.close()


GROUPS = {"exchange": take_exchange, "hotline": take_hotline, "office": take_hotline_office}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--only", choices=sorted(GROUPS), help="take one group's screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            shooter = Shooter(browser, args.base_url, args.out)
            if args.only:
                GROUPS[args.only](shooter)
            else:
                take_all(shooter)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
