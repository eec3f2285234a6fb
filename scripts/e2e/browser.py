#!/usr/bin/env python3
"""The web pages in a real browser (Debian's Chromium and chromedriver, driven by selenium).

  browser.py BIN DIR ARTEFACTS

Starts `redress serve --demo` on a throw-away data folder and plays one story, a screenshot of every step
written to ARTEFACTS (PNG):
  - a member, on a 390 × 844 phone viewport, files a complaint with an image through the five-step wizard;
  - an agent, whose queue is already open, sees the case appear without reloading, opens it and replies;
  - the member's open case page shows the reply without reloading;
  - the agent writes an internal note, then proposes a resolution; the member disputes it and escalates;
  - the internal note never appears on the member's page;
  - the supervisor's dashboard shows its charts; the admin registers a merchant (a wrong licence number refused, what
    was typed kept), subscribes a webhook (its secret shown once) and finds its failed delivery in the delivery log;
  - the member's page in English;
  - online support: the member on the phone and the agent on the laptop chat live, the agent turns the chat into a
    complaint, the member confirms it, the case shows the transcript to staff only.

Then every page of every role, on that role's device (member and merchant on a 390 × 844 phone; agent, reviewer and
supervisor on a 1366 × 768 laptop; the supervisor's dashboard on the phone too), in zh-CN and in English, each page
checked and kept as a screenshot. A page fails on:
  - an ASCII word of three or more letters in a zh-CN page's visible text, outside the allowed names (ALLOWED) and
    outside <code> (addresses, hashes, machine names an integrator types) and the language switch;
  - any element wider than the viewport (outside a box that scrolls sideways on purpose);
  - on the phone, any tap target under 44 px high (links inside a sentence aside);
  - a label, legend, heading, column head, term or button in another role's own words (/assets/words.json, the
    pages' label table).
Filing a top-up complaint on the phone is timed and its screens and required inputs counted (ARTEFACTS/filing.txt).
"""
import json, os, re, socket, subprocess, sys, time, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BIN, DIR, ART = sys.argv[1], sys.argv[2], sys.argv[3]


def licence(first17):
    """A unified social credit code with its GB 32100-2015 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(ch) * w for ch, w in zip(first17, weights))
    return first17 + alphabet[(31 - total % 31) % 31]


LICENCE = licence("91330106MA2KXXXX0")
os.makedirs(ART, exist_ok=True)
s = socket.socket(); s.bind(("127.0.0.1", 0)); PORT = s.getsockname()[1]; s.close()
BASE = f"http://127.0.0.1:{PORT}"
server = subprocess.Popen([BIN, "serve", "--data", DIR, "--port", str(PORT), "--demo"], stdout=open(os.path.join(DIR, "server.log"), "w"),
                          stderr=subprocess.STDOUT, env=dict(os.environ, REDRESS_BCRYPT_COST="4"))
drivers = []


def browser(width, height):
    o = Options()
    o.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}", "--lang=zh-CN"]:
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_window_size(width, height)
    drivers.append(d)
    return d


step_no = [0]
def shot(d, name):
    step_no[0] += 1
    path = os.path.join(ART, f"{step_no[0]:02d}-{name}.png")
    d.save_screenshot(path)
    print(f"  screenshot {path}")


def fail(message):
    print("FAILED: " + message)
    for i, d in enumerate(drivers):
        try:
            d.save_screenshot(os.path.join(ART, f"failure-{i}.png"))
            with open(os.path.join(ART, f"failure-{i}.txt"), "w") as f:
                f.write(d.current_url + "\n" + d.find_element(By.TAG_NAME, "body").text)
        except Exception:
            pass
    sys.exit(1)


def body_text(d):
    """The page's text, or '' while the page or a live update is replacing it."""
    try:
        return d.find_element(By.TAG_NAME, "body").text
    except Exception:
        return ""


def wait_text(d, text, timeout=10, what=""):
    try:
        WebDriverWait(d, timeout).until(lambda x: text in body_text(x))
    except Exception:
        fail(f"{what or 'page'} did not show {text!r} within {timeout} s")


def element(d, id, timeout=10):
    """The element with this id once the page that has it has loaded (a click's navigation is not awaited by selenium)."""
    try:
        return WebDriverWait(d, timeout).until(EC.presence_of_element_located((By.ID, id)))
    except Exception:
        fail(f"no element #{id} within {timeout} s on {d.current_url}")


ALLOWED = {"RD", "QQ", "Steam", "ICP", "API", "PDF", "JPEG", "PNG", "WebP", "TXT", "Webhook", "JSON", "SHA", "HMAC", "ODR", "App"}
AUDIT = """
const out = {ascii: [], wide: [], small: [], words: []};
const vw = document.documentElement.clientWidth;
const clone = document.body.cloneNode(true);
clone.querySelectorAll('code, script, style, [lang=en], input, textarea, select, title').forEach(e => e.remove());
const hidden = document.createElement('div'); hidden.style.cssText = 'position:absolute;left:-99999px;width:' + vw + 'px';
hidden.appendChild(clone); document.body.appendChild(hidden);
const text = clone.innerText + ' ' + Array.from(clone.querySelectorAll('svg text')).map(t => t.textContent).join(' ');
hidden.remove();
for (const token of text.split(/[^A-Za-z0-9._@:\/-]+/)) {
  if (/^[A-Za-z]{3,}$/.test(token) && !arguments[0].includes(token)) out.ascii.push(token);
}
function scrolls(e) { for (let p = e.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; }
if (document.documentElement.scrollWidth > vw + 1) out.wide.push('page ' + document.documentElement.scrollWidth + ' > ' + vw);
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > vw + 1 && !scrolls(e)) out.wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(r.right));
}
if (arguments[1]) {
  for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    let t = e;
    if (e.matches('input[type=radio], input[type=checkbox]')) t = e.closest('label') || e;
    const r = t.getBoundingClientRect(), cs = getComputedStyle(t);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden') continue;
    if (e.tagName === 'A' && cs.display === 'inline') {
      const parent = e.parentElement;
      if (parent && parent.innerText.trim().length > e.innerText.trim().length + 1) continue;  // a link inside a sentence
    }
    if (r.height < 43.5) out.small.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + (t.innerText || e.value || '').trim().slice(0, 20) + '" ' + Math.round(r.height) + 'px');
  }
}
const others = arguments[2];
for (const e of document.querySelectorAll('label, legend, h1, h2, h3, th, dt, button, summary')) {
  const w = e.innerText.trim();
  if (others.includes(w)) out.words.push(e.tagName.toLowerCase() + ': ' + w);
}
return out;
"""
# The required inputs of the page (a radio group counts once), by name.
REQUIRED = "return Array.from(new Set(Array.from(document.querySelectorAll('form [required]')).map(e => e.name)))"
WORDS = {}
audited = []


def audit(d, role, name, phone, zh):
    """Checks the page shown now (see the module's notes) and keeps its screenshot; returns the problems found."""
    others = sorted({w for r, ws in WORDS.items() if r != role for w in ws})
    found = d.execute_script(AUDIT, sorted(ALLOWED), phone, others)
    problems = []
    if zh and found["ascii"]: problems.append("English words on a Chinese page: " + ", ".join(sorted(set(found["ascii"]))))
    if found["wide"]: problems.append("wider than the viewport: " + ", ".join(found["wide"][:8]))
    if found["small"]: problems.append("tap targets under 44 px: " + ", ".join(found["small"][:8]))
    if found["words"]: problems.append("another role's words: " + ", ".join(found["words"]))
    tag = f"{role}-{name}-{'zh' if zh else 'en'}"
    d.save_screenshot(os.path.join(ART, "pages", tag + ".png"))
    audited.append((tag, problems))
    return problems


def login(d, who, password):
    d.get(BASE + "/login")
    element(d, "login").send_keys(who)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    # The click's navigation is not awaited: wait until the log-in page has been left (the session cookie is set).
    try:
        WebDriverWait(d, 10).until(lambda x: "/login" not in x.current_url)
    except Exception:
        fail(f"{who} was not logged in within 10 s")


try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close(); break
        except OSError:
            time.sleep(0.2)

    member = browser(390, 844)
    agent = browser(1280, 900)

    # The agent's queue is open before the complaint exists.
    login(agent, "agent@demo.redress", "demo-agent-2026")
    WebDriverWait(agent, 10).until(EC.url_contains("/work"))
    shot(agent, "agent-queue-before")

    login(member, "13800138000", "demo-member-2026")
    WebDriverWait(member, 10).until(EC.url_contains("/my"))
    shot(member, "member-my-complaints")
    filing_started = time.time()
    member.get(BASE + "/my/new")
    screens, required = [member.current_url], set()
    member.find_element(By.CSS_SELECTOR, "input[name=category][value='transaction.topup_not_credited']").click()
    shot(member, "wizard-1-problem")
    required |= set(member.execute_script(REQUIRED))
    member.find_element(By.ID, "next").click()
    screens.append(member.current_url)
    # Step 2 with the order number left empty: the browser keeps the member on the step (the field is required; the
    # server's own refusal of each step is checked in WebPagesTests) and what was typed stays.
    element(member, "amountPaid").send_keys("98")
    member.find_element(By.ID, "next").click()
    if not member.execute_script("return document.getElementById('orderNumber').validity.valueMissing"):
        fail("an empty order number was not held back")
    if member.find_element(By.ID, "amountPaid").get_attribute("value") != "98": fail("the amount typed was lost")
    shot(member, "wizard-2-order-missing")
    member.find_element(By.ID, "orderNumber").send_keys("KM20261130-LIVE")
    required |= set(member.execute_script(REQUIRED))
    member.find_element(By.ID, "next").click()
    screens.append(member.current_url)
    element(member, "occurredAt")
    member.execute_script("document.getElementById('occurredAt').value = '2026-11-29T21:30'")
    member.find_element(By.ID, "narrative").send_keys("11月29日晚充值 98 元游戏点券，至今未到账，客服一直说系统维护。")
    shot(member, "wizard-3-what-happened")
    required |= set(member.execute_script(REQUIRED))
    member.find_element(By.ID, "next").click()
    screens.append(member.current_url)
    # What the member claims starts as what they paid.
    if element(member, "amountClaimed").get_attribute("value") != "98": fail("the amount claimed is not pre-filled from the amount paid")
    shot(member, "wizard-4-remedy")
    required |= set(member.execute_script(REQUIRED))
    member.find_element(By.ID, "next").click()
    screens.append(member.current_url)
    wait_text(member, "支付凭证", what="the evidence checklist")
    png = os.path.join(DIR, "payment.png")
    with open(png, "wb") as f:
        # A real PNG: 1×1 pixel.
        f.write(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                              "1f15c4890000000d49444154789c6360f8cfc0f01f0005fe02fea7d3a5b60000000049454e44ae426082"))
    element(member, "file").send_keys(png)
    shot(member, "wizard-5-evidence")
    required |= set(member.execute_script(REQUIRED))
    member.find_element(By.ID, "submit").click()
    WebDriverWait(member, 15).until(EC.url_contains("/my/cases/"))
    case_url = member.current_url.split("?")[0]
    filing_seconds = time.time() - filing_started
    # Each step is one screen (step 2 sent with the order number missing stays the same screen).
    wizard_screens = len(screens)
    with open(os.path.join(ART, "filing.txt"), "w") as f:
        f.write(f"screens {wizard_screens}\nrequired inputs {len(required)}: {sorted(required)}\nseconds {filing_seconds:.1f}\n")
    print(f"filing a top-up complaint on the phone: {wizard_screens} screens, {len(required)} required inputs, {filing_seconds:.1f} s in the browser")
    if wizard_screens > 5 or len(required) > 12: fail("filing takes more than 5 screens or 12 required inputs")
    wait_text(member, "提交成功", what="the confirmation after filing")
    # The status reads as a pill, not a bar across the card.
    pill = member.execute_script("return document.querySelector('.status').getBoundingClientRect().width")
    if pill > 160: fail(f"the status pill is {pill:.0f} px wide")
    wait_text(member, "payment.png", what="the member's case page")
    case_number = member.find_element(By.CSS_SELECTOR, "h1").text.split()[0]
    shot(member, "member-case-filed")
    print(f"filed {case_number} through the wizard with an image")

    # The agent's queue shows it without a reload.
    wait_text(agent, case_number, timeout=15, what="the agent's queue (live)")
    shot(agent, "agent-queue-live")
    # The live queue may redraw again (the image's event arrives after the filing's): a link found just before a
    # redraw is gone by the click, so it is found again.
    for attempt in range(10):
        try:
            agent.find_element(By.LINK_TEXT, case_number).click()
            break
        except StaleElementReferenceException:
            if attempt == 9: raise
            time.sleep(0.3)
    wait_text(agent, "✔", what="the chain check")
    if not agent.find_elements(By.CSS_SELECTOR, ".files img"): fail("the image is not shown inline to the agent")
    element(agent, "body").send_keys("您好，已核实订单，正在为您补发点券。")
    agent.find_element(By.ID, "send").click()
    wait_text(agent, "正在为您补发点券", what="the agent's case page")
    shot(agent, "agent-replied")

    # The member's open page shows the reply live.
    wait_text(member, "正在为您补发点券", timeout=15, what="the member's case page (live)")
    shot(member, "member-sees-reply-live")

    # An internal note, then a proposed resolution.
    agent.find_element(By.CSS_SELECTOR, "input[name=visibility][value=internal]").click()
    agent.find_element(By.ID, "body").send_keys("内部：疑似渠道掉单，风控已知悉。")
    agent.find_element(By.ID, "send").click()
    wait_text(agent, "疑似渠道掉单", what="the agent's case page")
    agent.find_element(By.ID, "note").send_keys("补发 98 元点券")
    agent.find_element(By.CSS_SELECTOR, "button[value=propose_resolution]").click()
    wait_text(agent, "补发 98 元点券", what="the proposal")
    shot(agent, "agent-internal-note-and-proposal")

    # The member disputes and escalates.
    wait_text(member, "不接受", timeout=15, what="the member's page (proposal, live)")
    member.find_element(By.CSS_SELECTOR, "button[value=dispute]").click()
    WebDriverWait(member, 10).until(lambda d: d.find_elements(By.ID, "escalate"))
    shot(member, "member-disputed")
    member.find_element(By.ID, "reason").send_keys("三天未到账，要求升级处理")
    member.find_element(By.ID, "escalate").click()
    wait_text(member, "投诉处理专员", what="the escalated case")
    shot(member, "member-escalated")

    member.get(case_url)
    if "疑似渠道掉单" in member.page_source: fail("the internal note appears on the member's page")

    # The supervisor's dashboard, with its charts drawn on the server.
    supervisor = browser(1280, 1600)
    login(supervisor, "admin@demo.redress", "demo-admin-2026")
    supervisor.get(BASE + "/admin")
    try:
        WebDriverWait(supervisor, 10).until(lambda x: len(x.find_elements(By.CSS_SELECTOR, "svg.chart")) == 4)
    except Exception:
        fail("the dashboard does not show its four charts")
    shot(supervisor, "supervisor-dashboard")
    # The admin registers a merchant and subscribes a webhook; the delivery log lists what the outbox sent.
    supervisor.get(BASE + "/admin/merchants")
    fields = {"registeredName": "杭州某某信息技术有限公司", "shopName": "某某点卡", "businessLicenceNumber": "91330106MA2KXXXX0",
              "registeredAddress": "杭州市西湖区", "contactName": "王经理", "contactPhone": "057112345678"}
    for name, value in fields.items():
        element(supervisor, name).send_keys(value)
    supervisor.find_element(By.ID, "register-merchant").click()
    wait_text(supervisor, "统一社会信用代码应为 18 位", what="the refused licence number")
    if supervisor.find_element(By.ID, "shopName").get_attribute("value") != "某某点卡": fail("the merchant form lost what was typed")
    shot(supervisor, "admin-merchant-refused")
    element(supervisor, "businessLicenceNumber").clear()
    supervisor.find_element(By.ID, "businessLicenceNumber").send_keys(LICENCE)
    supervisor.find_element(By.ID, "register-merchant").click()
    wait_text(supervisor, "修改商家资质信息", what="the registered merchant's page")
    shot(supervisor, "admin-merchant-registered")
    supervisor.get(BASE + "/admin/webhooks")
    element(supervisor, "url").send_keys(f"http://127.0.0.1:{PORT}/nowhere")
    supervisor.find_element(By.CSS_SELECTOR, "input[name='topic.complaint.reply']").click()
    supervisor.find_element(By.ID, "create-webhook").click()
    wait_text(supervisor, "whsec_", what="the new webhook's secret")
    shot(supervisor, "admin-webhook-secret")
    # A reply on the case is a notice for it: the outbox sends it (and fails: nothing answers there), the log shows it.
    supervisor.get(case_url.replace("/my/cases/", "/work/cases/"))
    element(supervisor, "body").send_keys("点券已补发，请查收。")
    supervisor.find_element(By.ID, "send").click()
    wait_text(supervisor, "点券已补发", what="the supervisor's reply")
    for _ in range(30):
        supervisor.get(BASE + "/admin/deliveries")
        if "/nowhere" in body_text(supervisor): break
        time.sleep(0.5)
    else:
        fail("the delivery log does not list the webhook's delivery")
    shot(supervisor, "admin-deliveries")
    # The same member pages in English.
    member.get(case_url + "?lang=en")
    wait_text(member, "Timeline", what="the English case page")
    shot(member, "member-case-english")
    print("OK: wizard with an image on a phone, live queue and reply, dispute and escalation; no internal note on the member's page; "
          "the dashboard, a merchant registered, a webhook and its delivery in the log")

    # Online support: the member on the phone and the agent on the laptop chat live; the agent turns it into a
    # complaint, the member confirms it, and the case carries the transcript for staff.
    agent.get(BASE + "/work/chats")
    agent.find_element(By.CSS_SELECTOR, "form[action='/work/chats/duty'] button[type=submit]").click()
    wait_text(agent, "您正在值班", what="the agent on duty")
    member.get(BASE + "/my?lang=zh")
    member.find_element(By.CSS_SELECTOR, "a.chat-link").click()
    wait_text(member, "客服在线", what="the member's support page")
    element(member, "chat-body").send_keys("你好，我的月卡订单 KM20261207-CHAT 付了 30 元，会员一直没开通")
    shot(member, "chat-member-opens")
    member.find_element(By.CSS_SELECTOR, "form.chat-new button[type=submit]").click()
    WebDriverWait(member, 10).until(EC.url_contains("/my/chat/"))
    chat_path = member.current_url.replace(BASE, "").split("?")[0]
    # The desk lists it within its refresh (3 s) with the waiting time; the agent takes it.
    wait_text(agent, "KM20261207-CHAT", timeout=15, what="the agents' desk (refreshed)")
    shot(agent, "chat-desk-waiting")
    for attempt in range(10):
        try:
            agent.find_element(By.XPATH, "//tr[contains(., 'KM20261207-CHAT')]//button").click()
            break
        except StaleElementReferenceException:
            if attempt == 9: raise
            time.sleep(0.3)
    WebDriverWait(agent, 10).until(EC.url_contains("/work/chats/"))
    element(agent, "chat-say").send_keys("您好，我是客服小李，正在为您查询订单。")
    agent.find_element(By.CSS_SELECTOR, "form.chat-send button[type=submit]").click()
    wait_text(member, "正在为您查询订单", timeout=15, what="the member's chat (live)")
    element(member, "chat-say").send_keys("好的，麻烦尽快")
    member.find_element(By.CSS_SELECTOR, "form.chat-send button[type=submit]").click()
    wait_text(agent, "麻烦尽快", timeout=15, what="the agent's chat (live)")
    shot(member, "chat-member-live")
    shot(agent, "chat-agent-live")
    agent.find_element(By.CSS_SELECTOR, "details summary").click()
    if agent.find_element(By.ID, "chat-order").get_attribute("value") != "KM20261207-CHAT": fail("the order number was not pre-filled from the chat")
    from selenium.webdriver.support.ui import Select
    Select(agent.find_element(By.ID, "chat-category")).select_by_value("service.membership_not_activated")
    agent.find_element(By.CSS_SELECTOR, "form[action$='/proposal'] button[type=submit]").click()
    wait_text(member, "确认并提交投诉", timeout=15, what="the proposal on the member's chat (live)")
    shot(member, "chat-member-proposal")
    # The page reloads once when the chat's state changes: the button is found again if that happened under the click.
    for attempt in range(10):
        try:
            member.find_element(By.CSS_SELECTOR, "form[action$='/confirm'] button[type=submit]").click()
            WebDriverWait(member, 5).until(EC.url_contains("/my/cases/"))
            break
        except Exception:
            if attempt == 9: fail("the member's confirmation did not file the complaint")
            time.sleep(0.5)
    wait_text(member, "提交成功", what="the case filed from the chat")
    chat_case = member.current_url.replace(BASE, "").split("?")[0]
    shot(member, "chat-member-case-filed")
    agent.get(BASE + chat_case.replace("/my/cases/", "/work/cases/"))
    wait_text(agent, "在线客服记录", what="the transcript on the case for staff")
    member.get(BASE + chat_case)
    if "在线客服记录" in member.page_source: fail("the transcript (a staff note) appears on the member's page")
    print("OK: a chat on a phone and a laptop, live both ways, turned into a complaint the member confirmed; the transcript on the case for staff")

    # Every page of every role, on its device, in both languages.
    os.makedirs(os.path.join(ART, "pages"), exist_ok=True)
    WORDS.update(json.load(urllib.request.urlopen(BASE + "/assets/words.json")))
    case_id = case_url.rstrip("/").split("/")[-1]

    def pages_of(d, role, paths, phone):
        for zh in (True, False):
            d.get(BASE + "/my?lang=" + ("zh" if zh else "en")) if role == "member" else d.get(BASE + "/login?lang=" + ("zh" if zh else "en"))
            for name, path in paths:
                d.get(BASE + path)
                element(d, "main")
                problems = audit(d, role, name, phone, zh)
                for p in problems: print(f"  {role} {name} ({'zh' if zh else 'en'}): {p}")

    # The member, on the phone: list, wizard steps, case page, receipts, privacy.
    member.get(BASE + "/my")
    widest = member.execute_script("return Math.max(...Array.from(document.querySelectorAll('.case-row .status')).map(e => e.getBoundingClientRect().width))")
    if widest > 160: fail(f"a status pill in the member's list is {widest:.0f} px wide")
    pages_of(member, "member", [("my", "/my"), ("my-search", "/my?q=%E5%85%85%E5%80%BC"), ("new", "/my/new"), ("case", f"/my/cases/{case_id}"),
                                ("receipts", f"/my/cases/{case_id}/receipts"), ("privacy", "/privacy"), ("account", "/account"),
                                ("password", "/account/password"), ("chats", "/my/chat"), ("chat", chat_path)], True)
    # The agent, on a laptop.
    laptop = browser(1366, 768)
    login(laptop, "agent@demo.redress", "demo-agent-2026")
    first = laptop.find_element(By.CSS_SELECTOR, "table.queue td a").get_attribute("href").replace(BASE, "")
    pages_of(laptop, "staff", [("queue", "/work"), ("queue-overdue", "/work?overdue=1"), ("queue-search", "/work?q=%E5%85%85%E5%80%BC"), ("case", first),
                               ("chat-desk", "/work/chats"), ("chat", chat_path.replace("/my/chat/", "/work/chats/"))], False)
    laptop.delete_all_cookies()
    # The merchant, on a phone.
    shop = browser(390, 844)
    login(shop, "merchant@demo.redress", "demo-merchant-2026")
    shop_case = shop.find_element(By.CSS_SELECTOR, ".case-row a").get_attribute("href").replace(BASE, "")
    pages_of(shop, "merchant", [("cases", "/merchant"), ("cases-search", "/merchant?q=%E5%85%85%E5%80%BC"), ("case", shop_case), ("webhooks", "/merchant/webhooks"), ("account", "/account")], True)
    # The external reviewer, on a laptop.
    login(laptop, "reviewer@demo.redress", "demo-reviewer-2026")
    review_case = laptop.find_element(By.CSS_SELECTOR, ".case-row a").get_attribute("href").replace(BASE, "")
    pages_of(laptop, "reviewer", [("cases", "/review"), ("case", review_case)], False)
    laptop.delete_all_cookies()
    # The supervisor (admin) on a laptop, and the dashboard on a phone.
    login(laptop, "admin@demo.redress", "demo-admin-2026")
    merchant_page = "/admin/merchants/M-10086"
    pages_of(laptop, "staff", [("dashboard", "/admin"), ("policy", "/admin/policy"), ("users", "/admin/users"),
                               ("merchants", "/admin/merchants"), ("merchant", merchant_page), ("webhooks", "/admin/webhooks"),
                               ("deliveries", "/admin/deliveries"), ("delivery", "/admin/deliveries/1"), ("erasures", "/admin/erasures?status=all"), ("received-mail", "/admin/mail"),
                               ("admin-case", f"/work/cases/{case_id}")], False)
    login(shop, "admin@demo.redress", "demo-admin-2026")
    pages_of(shop, "staff", [("dashboard-phone", "/admin")], True)
    # Logged out: log-in and registration on the phone.
    anon = browser(390, 844)
    pages_of(anon, "public", [("login", "/login"), ("register", "/register"), ("privacy-public", "/privacy"), ("guide", "/guide"), ("merchants", "/merchants"), ("merchant-record", "/merchants/M-10086")], True)

    failed = [(tag, p) for tag, p in audited if p]
    with open(os.path.join(ART, "pages", "audit.txt"), "w") as f:
        for tag, problems in audited: f.write(f"{tag}: {'; '.join(problems) or 'ok'}\n")
    if failed:
        fail(f"{len(failed)} of {len(audited)} pages failed the checks (see above and pages/audit.txt)")
    print(f"OK: {len(audited)} pages checked (English words on Chinese pages, width, tap targets, role words), screenshots in {ART}/pages")
finally:
    for d in drivers:
        try:
            d.quit()
        except Exception:
            pass
    server.terminate()
    server.wait(timeout=30)
