"""The page behind the QR code: verdict first, in one glance, then the document and the checks.

Plain HTML with inline CSS and inline SVG: no script, no external asset (the CSP allows
none). Chinese first, English beside it. Every value from the ledger is escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from ledger.domain import CHINA
from signing.checks import Reason
from verify_api.verdict import (
    CURRENT,
    NOT_GENUINE,
    REVOKED,
    SUPERSEDED,
    DocumentFacts,
    Verdict,
    check_label,
    china_time,
)

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f1f3f4;color:#202124;
 font:16px/1.45 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",
 "Microsoft YaHei",sans-serif}
.verdict{color:#fff;padding:28px 20px 24px;text-align:center}
.v-current .verdict{background:#137333}.v-superseded .verdict{background:#b45309}
.v-revoked .verdict{background:#b3261e}.v-not-genuine .verdict,.v-error .verdict{background:#3c1518}
.verdict svg{width:64px;height:64px;display:block;margin:0 auto 10px}
.verdict h1{margin:0;font-size:30px;letter-spacing:.04em}
.verdict .en{display:block;font-size:17px;font-weight:500;letter-spacing:0;opacity:.92;margin-top:2px}
.verdict .who{margin:12px 0 0;font-size:16px;opacity:.95}
.verdict .warn{margin:10px auto 0;display:inline-block;padding:4px 12px;border-radius:14px;
 background:rgba(255,255,255,.18);font-size:15px;font-weight:600}
main{max-width:560px;margin:0 auto;padding:12px 12px 4px}
.card{background:#fff;border-radius:12px;padding:14px 16px;margin:0 0 12px;box-shadow:0 1px 2px rgba(60,64,67,.2)}
.card h2{font-size:15px;margin:0 0 8px;color:#5f6368;font-weight:600}
.note{border-left:5px solid;font-size:15px}.note p{margin:4px 0}
.v-superseded .note{border-color:#b45309}.v-revoked .note{border-color:#b3261e}
.v-not-genuine .note,.v-error .note{border-color:#3c1518}
.note .en,.row .en,li .en{color:#5f6368}
.note a{display:inline-block;margin-top:8px;padding:8px 14px;border-radius:8px;background:#1a73e8;color:#fff;
 text-decoration:none;font-weight:600}
dl{margin:0}
.row{display:flex;gap:12px;padding:7px 0;border-top:1px solid #eceff1}
.row:first-child{border-top:0}
dt{color:#5f6368;font-size:14px}
dt{flex:0 0 34%}
dd{margin:0;flex:1;font-weight:500;overflow-wrap:anywhere}
dd small{display:block;font-weight:400;color:#5f6368;font-size:13px}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:15px}
.tel{color:#1a73e8;font-weight:600;text-decoration:none}
ol{list-style:none;margin:0;padding:0}
ol li{display:flex;gap:10px;padding:7px 0;border-top:1px solid #eceff1;font-size:15px}
ol li:first-child{border-top:0}
.mark{flex:0 0 22px;height:22px;border-radius:50%;color:#fff;text-align:center;font-weight:700;line-height:22px;
 font-size:13px}
.pass .mark{background:#137333}.fail .mark{background:#b3261e}.skip .mark{background:#9aa0a6}
li small{display:block;color:#5f6368;font-size:13px;word-break:break-word}
.log{margin:0;font-size:14px}.log .en{color:#5f6368}
footer{text-align:center;color:#5f6368;font-size:12px;padding:4px 16px 24px}
"""

_ICONS: dict[str, str] = {
    CURRENT: '<path d="M20 33l9 9 16-18" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round" '
             'stroke-linejoin="round"/>',
    SUPERSEDED: '<path d="M32 18v16l10 6" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round"/>',
    REVOKED: '<path d="M20 44L44 20" stroke="#fff" stroke-width="5" stroke-linecap="round"/>',
    NOT_GENUINE: '<path d="M22 22l20 20M42 22L22 42" stroke="#fff" stroke-width="5" stroke-linecap="round"/>',
}


def _icon(outcome: str) -> str:
    return ('<svg viewBox="0 0 64 64" aria-hidden="true"><circle cx="32" cy="32" r="29" fill="none" stroke="#fff" '
            f'stroke-width="4"/>{_ICONS.get(outcome, _ICONS[NOT_GENUINE])}</svg>')


def _page(css_class: str, title: str, body: str) -> str:
    checked = datetime.now(UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">'
        f'<title>{escape(title)}</title><style>{_CSS}</style></head>'
        f'<body class="{css_class}">{body}'
        f'<footer>核验时间 Checked {checked}（北京时间 China time）· certledger 证书核验 verification</footer>'
        '</body></html>'
    )


_WARNINGS: dict[str, str] = {NOT_GENUINE: "请勿采信 · Do not rely on it", REVOKED: "已失效 · No longer valid",
             SUPERSEDED: "请以新文件为准 · Rely on the newer document"}


def _banner(outcome: str, zh: str, en: str, who: tuple[str, ...] = ()) -> str:
    line = f'<p class="who">{"<br>".join(escape(w) for w in who)}</p>' if who else ""
    warn = f'<p class="warn">{_WARNINGS[outcome]}</p>' if outcome in _WARNINGS else ""
    return (f'<header class="verdict" role="status">{_icon(outcome)}<h1>{escape(zh)}'
            f'<span class="en">{escape(en)}</span></h1>{line}{warn}</header>')


def reference_text(reference: str) -> tuple[str, str]:
    """A ledger reference as people read it: `N#2` is edition 2 of certificate N."""
    number, _, edition = reference.partition("#")
    return (f"{number}（第 {edition} 版）", f"{number}, edition {edition}") if edition else (number, number)


def _row(zh: str, en: str, value: str, css: str = "", note: str = "") -> str:
    if not value:
        return ""
    cls = f' class="{css}"' if css else ""
    small = f"<small>{escape(note)}</small>" if note else ""
    return (f'<div class="row"><dt>{zh}<br><span class="en">{en}</span></dt>'
            f'<dd{cls}>{escape(value)}{small}</dd></div>')


def _document(d: DocumentFacts) -> str:
    skill = d.family == "skill"
    rows = [
        _row("文件类别", "Document", f"{d.kind_label[0]} {d.kind_label[1]}"),
        _row("姓名", "Name", d.holder_name),
        _row("性别", "Gender", d.gender),
        _row("证件号码", "ID number", d.id_number_masked, "mono", d.id_type),
        _row("职业（工种）" if skill else "资格名称", "Occupation" if skill else "Qualification", d.occupation),
        _row("等级", "Level", d.level),
        _row("评定成绩", "Result", d.result),
        _row("发证日期" if skill else "批准日期", "Issued" if skill else "Approved", d.issue_date),
        _row("证明编号", "Proof number", d.number if d.kind != "certificate" else "", "mono"),
        _row("证书编号", "Certificate number", d.certificate_number, "mono"),
        _row("版次", "Edition", f"第 {d.edition} 版 · edition {d.edition}" if d.edition else ""),
        _row("备注", "Remarks", "；".join(d.remarks)),
    ]
    a = d.authority
    phone = (f'<div class="row"><dt>电话<br><span class="en">Phone</span></dt><dd><a class="tel" '
             f'href="tel:{escape(a.phone.replace(" ", ""))}">{escape(a.phone)}</a></dd></div>') if a.phone else ""
    return (f'<section class="card"><h2>证书信息 Document</h2><dl>{"".join(rows)}</dl></section>'
            f'<section class="card"><h2>发证机构 Issuing authority</h2><dl>{_row("机构", "Office", a.office)}'
            f'{phone}{_row("地址", "Address", a.address)}{_row("办公时间", "Hours", a.hours)}'
            f'{_examination_rows(d)}</dl></section>')


def _examination_rows(d: DocumentFacts) -> str:
    """A professional document: the result's provider and the ministry's lookup (seed 004 三(一))."""
    e = d.examination
    if e is None:
        return ""
    return (_row("查询结果", "Result provided by", e["verification_mark"])
            + _row("查询验证", "Look up at", f'{e["lookup_site"]}证书查询验证系统'))


def _note(v: Verdict) -> str:
    s = v.status
    if v.outcome == SUPERSEDED and s is not None:
        reason_zh, reason_en = v.reason
        link = ""
        if v.successor is not None and v.successor.url:
            link = (f'<a href="{escape(v.successor.url)}">查看新文件状态 · View the successor\'s status</a>')
        elif v.successor is not None:
            link = "<p>新文件尚无电子版，请向发证机构核实。<br><span class=\"en\">The successor has no signed " \
                   "document yet: ask the issuing authority.</span></p>"
        when = escape(china_time(s.superseded_at))
        by_zh, by_en = reference_text(s.superseded_by or "")
        return (f'<section class="card note"><p>此文件已于 {when} 因“{escape(reason_zh)}”'
                f'由 <b>{escape(by_zh)}</b> 替代，不再是现行有效版本。</p>'
                f'<p class="en">Superseded on {when} by {escape(by_en)} ({escape(reason_en)}); '
                f'it is no longer the current version.</p>{link}</section>')
    if v.outcome == REVOKED and s is not None:
        return (f'<section class="card note"><p>此文件已于 {escape(china_time(s.revoked_at))} 被发证机构撤销。'
                f'原因：{escape(s.revoked_reason or "")}</p><p class="en">Revoked by the issuing authority on '
                f'{escape(china_time(s.revoked_at))}. Reason: {escape(s.revoked_reason or "")}</p></section>')
    if v.outcome == NOT_GENUINE:
        failed = v.failed
        what = (f'<p>未通过的检查：<b>{escape(check_label(failed))}</b>（{escape(failed.name)}）</p>'
                f'<p class="en">Failed check: {escape(failed.name)}: {escape(failed.detail)}</p>') if failed else ""
        return (f'<section class="card note">{what}<p>此核验码或文件不是发证机构签发的原件，请向发证机构核实。</p>'
                '<p class="en">This code or file is not what the issuing authority signed: check with the '
                'authority.</p></section>')
    return ""


_MARKS = {"pass": "✓", "fail": "✗", "skip": "–"}


def _checks(v: Verdict) -> str:
    if not v.checks:
        return ""
    # After a failure the Verifier fails the later steps closed as not checked: shown grey, not as failures.
    kinds = ["pass" if c.ok else "skip" if c.reason is Reason.NOT_CHECKED else "fail" for c in v.checks]
    items = "".join(
        f'<li class="{kind}"><span class="mark">{_MARKS[kind]}</span><span>{escape(check_label(c))} '
        f'<span class="en">{escape(c.name)}</span><small>{escape(c.detail)}</small></span></li>'
        for c, kind in zip(v.checks, kinds, strict=True))
    return f'<section class="card"><h2>核验步骤 Checks</h2><ol>{items}</ol></section>'


def _log_line(v: Verdict) -> str:
    """One line on the document's place in the transparency log, when the service publishes one."""
    inclusion = v.log
    if not inclusion:
        return ""
    if inclusion["state"] == "included":
        checkpoint = inclusion.get("checkpoint") or {}
        signed = china_time(datetime.fromisoformat(checkpoint["at"])) if checkpoint.get("at") else ""
        n, size = inclusion["position"] + 1, inclusion["tree_size"]
        zh = f"已记入透明日志：第 {n:,} 条，共 {size:,} 条（检查点签署于 {signed}）。"
        en = f"In the transparency log: entry {n:,} of {size:,} (checkpoint signed {signed})."
    else:
        zh = "最近的变更尚待记入下一个透明日志检查点。"
        en = "Its latest change came after the last checkpoint: pending the next one."
    return (f'<section class="card"><h2>透明日志 Transparency log</h2><p class="log">{escape(zh)}<br>'
            f'<span class="en">{escape(en)}</span></p></section>')


def verdict_page(v: Verdict) -> str:
    """The whole page for one verdict."""
    zh, en = v.headline
    who: tuple[str, ...] = ()
    if v.document is not None:
        edition = f"（第 {v.document.edition} 版）" if v.document.edition else ""
        who = (f"{v.document.kind_label[0]} {v.document.number}{edition}", v.document.holder_name)
    body = _banner(v.outcome, zh, en, who) + "<main>" + _note(v)
    if v.document is not None:
        body += _document(v.document)
    body += _checks(v) + _log_line(v) + "</main>"
    return _page(f"v-{v.outcome}", f"{zh} {en} · 证书核验", body)


def message_page(zh: str, en: str, detail_zh: str, detail_en: str) -> str:
    """A page for a request that could not be verified at all (not a certledger code, service down)."""
    body = (_banner("error", zh, en) + f'<main><section class="card note"><p>{escape(detail_zh)}</p>'
            f'<p class="en">{escape(detail_en)}</p></section></main>')
    return _page("v-error", f"{zh} {en} · 证书核验", body)


_NOT_A_CODE = ("不是证书核验码", "Not a certledger code", "此链接中的核验码无法识别，请重新扫描证书上的二维码。",
               "The code in this link cannot be read: scan the QR code on the document again.")
_UNAVAILABLE = ("暂时无法核验", "Verification unavailable", "核验服务暂时不可用，请稍后再试。",
                "The verification service is unavailable for the moment: try again later.")
_TOO_MANY = ("请求过于频繁", "Too many requests", "此设备的核验请求过多，请稍后再试。",
             "Too many verifications from this device: try again later.")
_FAILED = ("暂时无法核验", "Verification failed", "核验未能完成，请稍后再试或向发证机构核实。",
           "The verification could not be completed: try again later, or check with the issuing authority.")
_PAGE_MESSAGES = {"malformed_token": _NOT_A_CODE, "not_found": _NOT_A_CODE, "unavailable": _UNAVAILABLE,
                  "rate_limited": _TOO_MANY}


def error_page(error: str) -> str:
    """The page for a refusal with the API's error code (`malformed_token`, `unavailable`, `internal`, ...)."""
    return message_page(*_PAGE_MESSAGES.get(error, _FAILED))
