#!/usr/bin/env python3
"""Writes the test corpus of real-world-shaped mail: Tests/RedressMailTests/Corpus/*.eml and expected.json.

Each message is written byte for byte here (charsets, encoded-words split mid-character, RFC 2231 continuations),
so the corpus is reproducible; expected.json holds what the parser must read from each. Run it again after changing
a message: python3 scripts/mail-corpus.py
"""
import base64, hashlib, json, os, quopri

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "RedressMailTests", "Corpus")
JPEG = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\x00" + bytes(range(256)) * 3 + bytes([0xFF, 0xD9])
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
messages = []


def b64(data, width=76):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + width] for i in range(0, len(s), width))


def ew(text, charset="UTF-8", mode="B"):
    data = text.encode(charset) if isinstance(text, str) else text
    if mode == "B":
        return "=?%s?B?%s?=" % (charset, base64.b64encode(data).decode())
    q = "".join("_" if c == 0x20 else chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else "=%02X" % c for c in data)
    return "=?%s?Q?%s?=" % (charset, q)


def head(frm, subject, extra=(), mid=None, to="complaints@redress.test"):
    lines = ["From: " + frm, "To: " + to, "Subject: " + subject, "Date: Mon, 07 Dec 2026 10:15:00 +0800",
             "Message-ID: <%s>" % (mid or "m%d@mail.example.cn" % (len(messages) + 1)), "MIME-Version: 1.0"]
    return lines + list(extra)


def add(name, raw, **expect):
    if isinstance(raw, list):
        raw = "\r\n".join(raw)
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    expect.setdefault("error", None)
    messages.append((name, raw, expect))


def att(name, data, inline=False):
    return {"fileName": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "inline": inline}


MEMBER = '"张伟" <zhang.wei@mail.example.cn>'

# 1 UTF-8 plain text, 8-bit body and a raw UTF-8 subject (what many phone clients send).
add("utf8-plain-8bit", head(MEMBER, "游戏点卡充值未到账", ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"])
    + ["", "订单号 DD20261207001，充值 100 元点卡未到账。", "请尽快处理。", ""],
    subject="游戏点卡充值未到账", fromAddress="zhang.wei@mail.example.cn", fromName="张伟",
    textContains=["DD20261207001", "请尽快处理"], attachments=[], automatic=None)

# 2 GBK body in base64 with a GBK-only character (镕), subject as a GBK B-word.
body = "会员开通失败，客服朱镕说会退款，至今没有退。订单 DD20261207002。".encode("gbk")
add("gbk-base64", [*head(MEMBER, ew("会员开通失败", "GBK")), "Content-Type: text/plain; charset=GBK", "Content-Transfer-Encoding: base64", "", b64(body), ""],
    subject="会员开通失败", textContains=["朱镕", "DD20261207002"], attachments=[], automatic=None)

# 3 Labelled gb2312 but carrying GBK-only characters, quoted-printable (Foxmail does this).
body = "卖家昵称：镕鑫数码。卡密无效。".encode("gbk")
add("gb2312-label-gbk-chars", [*head(MEMBER, ew("卡密无效", "gb2312")), 'Content-Type: text/plain; charset="gb2312"',
    "Content-Transfer-Encoding: quoted-printable", "", quopri.encodestring(body).decode(), ""],
    subject="卡密无效", textContains=["镕鑫数码", "卡密无效"], attachments=[], automatic=None)

# 4 GB18030 four-byte sequences (a CJK Extension B character and the euro sign).
body = "商品名称：𠀀号礼包，售价 €5，未发货。".encode("gb18030")
add("gb18030-four-byte", [*head(MEMBER, ew("未发货", "gb18030")), "Content-Type: text/plain; charset=gb18030", "Content-Transfer-Encoding: base64", "", b64(body), ""],
    subject="未发货", textContains=["𠀀号礼包", "€5"], attachments=[], automatic=None)

# 5 Big5 (Traditional Chinese) body and Q-encoded subject.
body = "儲值卡序號無法使用，請協助退款。".encode("big5")
add("big5-q-subject", [*head('"陳小明" <chen@example.tw>', ew("儲值卡無法使用", "big5", "Q")), "Content-Type: text/plain; charset=big5",
    "Content-Transfer-Encoding: base64", "", b64(body), ""],
    subject="儲值卡無法使用", fromName="陳小明", textContains=["儲值卡序號無法使用"], attachments=[], automatic=None)

# 6 Adjacent encoded-words with a UTF-8 character split between them.
data = "充值失败请退款".encode("utf-8")
w1, w2 = "=?UTF-8?B?%s?=" % base64.b64encode(data[:4]).decode(), "=?UTF-8?B?%s?=" % base64.b64encode(data[4:]).decode()
add("encoded-word-split-char", [*head(MEMBER, w1 + "\r\n " + w2), "Content-Type: text/plain; charset=utf-8", "", "见主题。", ""],
    subject="充值失败请退款", textContains=["见主题"], attachments=[], automatic=None)

# 7 Q-encoding with underscores and plain ASCII around it.
add("q-encoding-mixed", [*head(MEMBER, "Re: Steam " + ew("钱包 充值", "UTF-8", "Q") + " order 12345"), "Content-Type: text/plain", "", "Steam wallet.", ""],
    subject="Re: Steam 钱包 充值 order 12345", textContains=["Steam wallet."], attachments=[], automatic=None)

# 8 multipart/alternative, plain and HTML: the plain part is the text.
add("alternative-plain-html", [*head(MEMBER, ew("账号被盗")), 'Content-Type: multipart/alternative; boundary="----=_NextPart_001"', "",
    "This is a multi-part message in MIME format.", "", "------=_NextPart_001", "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64", "", b64("账号被盗，QQ号 123456789 的装备被转走。".encode()), "", "------=_NextPart_001",
    "Content-Type: text/html; charset=utf-8", "", "<html><body><p>账号被盗（HTML 版）</p></body></html>", "", "------=_NextPart_001--", ""],
    subject="账号被盗", textContains=["QQ号 123456789"], textExcludes=["HTML 版"], attachments=[], automatic=None)

# 9 HTML only, with a script, a style, a remote image and entities: text without any of the markup.
html = ("<html><head><title>t</title><style>p{color:red}</style></head><body><script>alert('x')</script>"
        "<p>退款&amp;赔偿 &lt;100元&gt;</p><img src=\"http://tracker.example/pixel.gif\" alt=\"track\"><div>第二行&nbsp;内容</div>"
        "<ul><li>一</li><li>二</li></ul><!-- comment --></body></html>")
add("html-only", [*head(MEMBER, ew("网页邮件")), "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "",
    quopri.encodestring(html.encode()).decode(), ""],
    subject="网页邮件", fromHTML=True, textContains=["退款&赔偿 <100元>", "第二行 内容", "• 一"], textExcludes=["alert", "color:red", "pixel.gif", "<p>", "comment"],
    attachments=[], automatic=None)

# 10 A JPEG with a GB18030 file name in RFC 2231 continuations.
name = "充值截图.jpg".encode("gb18030")
pct = "".join("%%%02X" % c for c in name)
add("rfc2231-gb18030-filename", [*head(MEMBER, ew("附截图")), 'Content-Type: multipart/mixed; boundary="b1"', "", "--b1",
    "Content-Type: text/plain; charset=utf-8", "", "截图见附件。", "--b1", "Content-Type: image/jpeg",
    "Content-Disposition: attachment;", " filename*0*=gb18030''" + pct[:18] + ";", " filename*1*=" + pct[18:], "Content-Transfer-Encoding: base64", "",
    b64(JPEG), "--b1--", ""],
    subject="附截图", textContains=["截图见附件"], attachments=[att("充值截图.jpg", JPEG)], automatic=None)

# 11 RFC 2231 UTF-8 file name in one piece.
add("rfc2231-utf8-filename", [*head(MEMBER, "evidence"), 'Content-Type: multipart/mixed; boundary="b2"', "", "--b2", "Content-Type: text/plain", "",
    "see file", "--b2", "Content-Type: image/png", "Content-Disposition: attachment; filename*=UTF-8''%E8%AF%81%E6%8D%AE.png",
    "Content-Transfer-Encoding: base64", "", b64(PNG), "--b2--", ""],
    subject="evidence", textContains=["see file"], attachments=[att("证据.png", PNG)], automatic=None)

# 12 Outlook's encoded-word inside a quoted file name.
add("outlook-encoded-filename", [*head(MEMBER, ew("订单凭证", "gb2312")), 'Content-Type: multipart/mixed; boundary="----=_NextPart_000_0001"', "",
    "------=_NextPart_000_0001", 'Content-Type: text/plain; charset="gb2312"', "Content-Transfer-Encoding: base64", "",
    b64("凭证见附件".encode("gbk")), "", "------=_NextPart_000_0001", 'Content-Type: application/pdf; name="%s"' % ew("付款凭证.pdf", "gb2312"),
    'Content-Disposition: attachment; filename="%s"' % ew("付款凭证.pdf", "gb2312"), "Content-Transfer-Encoding: base64", "", b64(PDF), "",
    "------=_NextPart_000_0001--", ""],
    subject="订单凭证", textContains=["凭证见附件"], attachments=[att("付款凭证.pdf", PDF)], automatic=None)

# 13 multipart/related: HTML with an inline image by Content-ID.
add("related-inline-image", [*head(MEMBER, ew("内嵌图片")), 'Content-Type: multipart/related; type="text/html"; boundary="rel"', "", "--rel",
    "Content-Type: text/html; charset=utf-8", "", '<p>如图：</p><img src="cid:img1@x">', "--rel", "Content-Type: image/png; name=\"shot.png\"",
    "Content-ID: <img1@x>", "Content-Transfer-Encoding: base64", "", b64(PNG), "--rel--", ""],
    subject="内嵌图片", fromHTML=True, textContains=["如图："], attachments=[att("shot.png", PNG, inline=True)], automatic=None)

# 14 mixed(alternative(plain, html), pdf).
add("nested-mixed-alternative", [*head(MEMBER, ew("嵌套")), 'Content-Type: multipart/mixed; boundary="outer"', "", "--outer",
    'Content-Type: multipart/alternative; boundary="inner"', "", "--inner", "Content-Type: text/plain; charset=utf-8", "", "纯文本正文", "--inner",
    "Content-Type: text/html; charset=utf-8", "", "<b>网页正文</b>", "--inner--", "--outer", "Content-Type: application/pdf",
    'Content-Disposition: attachment; filename="receipt.pdf"', "Content-Transfer-Encoding: base64", "", b64(PDF), "--outer--", ""],
    subject="嵌套", textContains=["纯文本正文"], textExcludes=["网页正文"], attachments=[att("receipt.pdf", PDF)], automatic=None)

# 15 An Outlook reply in Chinese, quoting the notice under "-----原始邮件-----".
add("outlook-reply", [*head(MEMBER, ew("回复: [本平台 维权台] 投诉 TS20261207000001 有新的回复", "gb2312"),
    ["In-Reply-To: <n.41.abc@redress.test>", "References: <c.abc@redress.test>\r\n <n.41.abc@redress.test>", 'Content-Type: text/plain; charset="gb2312"',
     "Content-Transfer-Encoding: base64"]), "", b64("补充：商家已读不回。\r\n\r\n-----原始邮件-----\r\n发件人: 维权台\r\n发送时间: 2026年12月7日\r\n投诉 TS20261207000001 有新的回复".encode("gbk")), ""],
    subject="回复: [本平台 维权台] 投诉 TS20261207000001 有新的回复", inReplyTo=["n.41.abc@redress.test"], references=["c.abc@redress.test", "n.41.abc@redress.test"],
    textContains=["商家已读不回"], newText="补充：商家已读不回。", attachments=[], automatic=None)

# 16 A Foxmail / QQ Mail reply.
add("foxmail-reply", [*head(MEMBER, ew("回复：投诉 TS20261207000001"), ["In-Reply-To: <n.42.abc@redress.test>", "Content-Type: text/plain; charset=GBK",
    "Content-Transfer-Encoding: base64"]), "", b64("好的，我接受退款方案。\r\n\r\n\r\n------------------ 原始邮件 ------------------\r\n发件人: \"维权台\"<redress@redress.test>;\r\n发送时间: 2026年12月7日(星期一) 上午10:00\r\n".encode("gbk")), ""],
    subject="回复：投诉 TS20261207000001", inReplyTo=["n.42.abc@redress.test"], newText="好的，我接受退款方案。", attachments=[], automatic=None)

# 17 A Gmail-style reply with ">" quotes.
add("gmail-reply", [*head("Zhang Wei <zhang.wei@mail.example.cn>", "Re: Complaint TS20261207000001", ["In-Reply-To: <n.43.abc@redress.test>",
    "Content-Type: text/plain; charset=UTF-8"]), "", "Still no refund.", "", "On Mon, Dec 7, 2026 at 10:00 AM Redress <redress@redress.test> wrote:",
    "> New reply on complaint TS20261207000001", ""],
    subject="Re: Complaint TS20261207000001", fromName="Zhang Wei", newText="Still no refund.", attachments=[], automatic=None)

# 18 A bounce: multipart/report from MAILER-DAEMON with an empty Return-Path.
add("bounce-dsn", ["Return-Path: <>", *head("MAILER-DAEMON@mx.example.cn (Mail Delivery System)", "Undelivered Mail Returned to Sender",
    ['Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"']), "", "--dsn", "Content-Type: text/plain", "",
    "I'm sorry to have to inform you that your message could not be delivered.", "--dsn", "Content-Type: message/delivery-status", "",
    "Reporting-MTA: dns; mx.example.cn", "", "Final-Recipient: rfc822; nobody@example.cn", "Action: failed", "Status: 5.1.1", "--dsn--", ""],
    subject="Undelivered Mail Returned to Sender", automatic="bounce", attachments=[])

# 19 An auto-reply by RFC 3834.
add("auto-submitted", [*head(MEMBER, ew("自动回复: 投诉 TS20261207000001 有新的回复"), ["Auto-Submitted: auto-replied", "Content-Type: text/plain; charset=utf-8"]),
    "", "我正在休假，12 月 10 日回来。", ""], subject="自动回复: 投诉 TS20261207000001 有新的回复", automatic="auto_reply", attachments=[])

# 20 An Outlook out-of-office reply without Auto-Submitted: known by its subject.
add("outlook-oof-subject", [*head(MEMBER, ew("自动回复: 已收到", "gb2312"), ["X-Auto-Response-Suppress: All", "Content-Type: text/plain; charset=gb2312"]),
    "", "外出", ""], subject="自动回复: 已收到", automatic="auto_reply", attachments=[])

# 21 Precedence: bulk.
add("precedence-bulk", [*head('"某某商城" <news@shop.example>', ew("双十二大促"), ["Precedence: bulk"]), "Content-Type: text/plain; charset=utf-8", "", "全场五折", ""], subject="双十二大促", automatic="bulk", attachments=[])

# 22 A mailing list.
add("list-id", [*head("list@lists.example.org", "[dev] weekly", ["List-Id: <dev.lists.example.org>", "List-Unsubscribe: <mailto:leave@lists.example.org>"]),
    "Content-Type: text/plain", "", "digest", ""], subject="[dev] weekly", automatic="bulk", attachments=[])

# 23 A boundary that never appears.
add("broken-boundary", [*head(MEMBER, "broken"), 'Content-Type: multipart/mixed; boundary="declared"', "", "--other", "Content-Type: text/plain", "",
    "text", "--other--", ""], error="broken_boundary")

# 24 No closing delimiter: what arrived is read.
add("missing-closing-boundary", [*head(MEMBER, "cut short"), 'Content-Type: multipart/mixed; boundary="cut"', "", "--cut", "Content-Type: text/plain; charset=utf-8", "",
    "截断的邮件正文", ""], subject="cut short", textContains=["截断的邮件正文"], attachments=[], automatic=None)

# 25 Base64 that is not base64.
add("invalid-base64", [*head(MEMBER, "bad"), "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", "5YWF5YC8!!!@@@###", ""],
    error="invalid_base64")

# 26 A header bomb.
add("header-bomb", [*head(MEMBER, "bomb"), *["X-Filler-%d: %s" % (i, "x" * 60) for i in range(1500)], "Content-Type: text/plain", "", "x", ""], error="header_bomb")

# 27 Not mail at all.
add("not-a-message", b"\x00\x01\x02binary garbage\xff\xfe\r\n\r\nmore", error="not_a_message")

# 28 No Content-Type and a raw GBK body: read as GB18030.
add("unlabelled-gbk", "\r\n".join([*head(MEMBER, "no charset")[:-1], "", ""]).encode() + "没有声明字符集的邮件正文".encode("gbk") + b"\r\n",
    subject="no charset", textContains=["没有声明字符集的邮件正文"], attachments=[], automatic=None)

# 29 Encoded display names, Reply-To, a To list with a comma inside a quoted name.
add("addresses", [*head('%s <li.na@mail.example.cn>' % ew("李娜"), "addresses", ['Reply-To: "Li, Na" <li.na+reply@mail.example.cn>'],
    to='"Support, Redress" <complaints@redress.test>, other@example.cn'), "Content-Type: text/plain", "", "hello", ""],
    subject="addresses", fromName="李娜", fromAddress="li.na@mail.example.cn", replyTo="li.na+reply@mail.example.cn",
    to=["complaints@redress.test", "other@example.cn"], textContains=["hello"], attachments=[], automatic=None)

# 30 A Big5 file name with a language tag.
name = "收據.pdf".encode("big5")
add("rfc2231-big5-language", [*head('"陳小明" <chen@example.tw>', "receipt"), 'Content-Type: multipart/mixed; boundary="tw"', "", "--tw", "Content-Type: text/plain", "", "receipt attached",
    "--tw", "Content-Type: application/pdf", "Content-Disposition: attachment; filename*=big5'zh-TW'" + "".join("%%%02X" % c for c in name),
    "Content-Transfer-Encoding: base64", "", b64(PDF), "--tw--", ""],
    subject="receipt", attachments=[att("收據.pdf", PDF)], automatic=None)

# 31 A subject folded over three lines, one encoded-word per line, GBK.
words = [ew(part, "GBK") for part in ["关于订单", "DD20261207031", "的投诉"]]
add("folded-subject", [*head(MEMBER, words[0] + "\r\n\t" + words[1] + "\r\n " + words[2]), "Content-Type: text/plain; charset=utf-8", "", "正文", ""],
    subject="关于订单DD20261207031的投诉", attachments=[], automatic=None)

# 32 Unix line endings throughout.
add("lf-line-endings", "\n".join([*head(MEMBER, ew("换行符")), 'Content-Type: multipart/mixed; boundary="lf"', "", "--lf", "Content-Type: text/plain; charset=utf-8", "",
    "只有 LF 的邮件", "--lf", "Content-Type: image/jpeg", 'Content-Disposition: attachment; filename="a.jpg"', "Content-Transfer-Encoding: base64", "",
    base64.b64encode(JPEG).decode(), "--lf--", ""]).encode(), subject="换行符", textContains=["只有 LF 的邮件"], attachments=[att("a.jpg", JPEG)], automatic=None)

# 33 A forwarded message attached as message/rfc822.
inner = "\r\n".join(["From: seller@shop.example", "Subject: order confirmed", "", "Your order is confirmed.", ""]).encode()
add("forwarded-rfc822", [*head(MEMBER, ew("转发商家邮件")), 'Content-Type: multipart/mixed; boundary="fw"', "", "--fw", "Content-Type: text/plain; charset=utf-8", "",
    "商家确认过订单，见附件。", "--fw", "Content-Type: message/rfc822", 'Content-Disposition: attachment; filename="confirm.eml"', "", inner.decode(), "--fw--", ""],
    subject="转发商家邮件", textContains=["商家确认过订单"], attachments=[att("confirm.eml", inner)], automatic=None)

# 34 Quoted-printable UTF-8 with soft line breaks inside a multi-byte character.
qp = "=E9=80=80=E6=AC=BE=\r\n=E7=94=B3=E8=AF=B7=E5=B7=B2=E6=8F=90=E4=BA=A4=EF=BC=8C=E5=\r\n=95=86=E5=AE=B6=E6=9C=AA=E5=A4=84=E7=90=86=E3=80=82"
add("qp-soft-break-multibyte", [*head(MEMBER, "qp"), "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "", qp, ""],
    subject="qp", textContains=["退款申请已提交，商家未处理。"], attachments=[], automatic=None)

# 35 Multiparts nested ten deep.
lines = [*head(MEMBER, "deep")]
for d in range(10):
    lines += ['Content-Type: multipart/mixed; boundary="d%d"' % d, "", "--d%d" % d]
lines += ["Content-Type: text/plain", "", "deep"]
for d in reversed(range(10)):
    lines += ["--d%d--" % d]
add("nested-too-deep", lines + [""], error="mime_too_deep")

os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith(".eml"):
        os.remove(os.path.join(OUT, f))
expected = {}
for n, (name, raw, expect) in enumerate(messages, 1):
    fname = "%02d-%s.eml" % (n, name)
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(raw)
    expected[fname] = expect
with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
    json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
    f.write("\n")
print("%d messages in %s" % (len(messages), os.path.normpath(OUT)))
