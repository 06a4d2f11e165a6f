"""Chinese labels for what the ledger names in English: fields, stages, kinds, channels, rules."""

from __future__ import annotations

FIELDS = {
    "username": "用户名", "password": "密码", "totp": "动态口令", "role": "角色", "csrf": "表单令牌",
    "number": "证书编号", "certificate_number": "证书编号", "kind": "申请类型", "applicant": "申请人",
    "channel": "渠道", "id_number": "证件号码", "id_document": "证件种类", "id_type": "证件类别", "on": "日期",
    "date": "日期", "reason": "理由", "checks": "核对项", "tracking": "邮件单号", "tracking_number": "邮件单号",
    "address": "寄送地址", "recipient": "收件人", "phone": "联系电话", "carrier": "寄递企业", "postage": "邮资",
    "how": "送达方式", "request": "申请编号", "photo": "照片", "evidence": "材料", "materials": "材料",
    "office key": "发证机构密钥", "CERTLEDGER_KEY_PASSPHRASE": "发证机构密钥口令", "name": "姓名",
    "level": "等级", "specialty": "专业", "approval_date": "批准日期", "result": "办理结果",
    "page": "页码", "stage": "环节", "institution": "领取单位", "batch_number": "联系单批次号",
    "occupation": "职业（工种）", "head_count": "联系单人数", "certificates_received": "签收证书数",
    "rosters_received": "签收花名册数", "signer": "签收人", "signer_phone": "签收人电话", "receipt_date": "签收日期",
    "agent_name": "经办人", "agent_id_number": "经办人证件号码", "letter_date": "联系单日期", "officer": "经办人员",
    "officer_phone": "经办人员电话", "certificates": "证书编号", "numbers": "证书编号",
    "blanks_arrived_on": "空白证书送达日期", "month": "申报年月", "format": "表格格式", "exam_codes": "考试代码",
    "package": "批次包", "file": "批次包", "upload": "批次包", "header": "表头", "gender": "性别",
    "issue_date": "发证日期", "family": "证书类别", "authority": "发证机构代码", "theory_score": "理论知识考试成绩",
    "practical_score": "操作技能考试成绩", "review_score": "综合评审成绩", "exam_code": "考试代码",
}
STAGES = {"applied": "已申请", "accepted": "已受理", "approved": "审核通过", "rejected": "已驳回",
          "completed": "已办结", "delivered": "已送达", "forwarded": "已报送"}
KINDS = {"reissue": "遗失补发", "exchange": "境外就业换发", "correct": "错误信息更正", "proof": "书面证明",
         "score-pass": "成绩合格证明", "qualification": "职/执业资格证明"}
QUEUE_KINDS = {**KINDS, "pickup": "逾期未领取"}  # the queue's rows: requests, and certificates nobody collected
QUEUE_STAGES = {**STAGES, "uncollected": "逾期未领取"}
CHANNELS = {"window": "窗口", "online": "网上", "mail": "邮寄"}
PROOF_KINDS = {"written": "书面证明", "score-pass": "成绩合格证明", "qualification": "职/执业资格证明"}
CHECKS = {"name": "姓名", "id_number": "身份证号", "certificate_number": "证书编号/管理号", "level": "等级",
          "specialty": "职业（工种）/专业", "approval_date": "发证/批准日期", "photo": "照片为同一人"}
EVENTS = {"Issued": "颁发", "Reissued": "补发", "Exchanged": "换发", "Corrected": "更正", "Recorded": "出具证明",
          "ProofRecorded": "出具证明", "Signed": "签名", "HandedOver": "交付", "Superseded": "被替代",
          "Revoked": "撤销", "Applied": "申请", "Accepted": "受理", "Reviewed": "审核", "Completed": "办结",
          "Delivered": "送达", "Forwarded": "报送省中心", "PhotoAttached": "附照片", "Revealed": "查看完整证件号"}
STATUSES = {"current": "有效", "superseded": "已被替代", "revoked": "已撤销"}
EVIDENCE = {"scan": "高拍仪扫描件", "signature": "电子签名", "id-card": "身份证阅读器记录",
            "id-copy": "受托人身份证复印件", "holder-id-copy": "持证人身份证复印件",
            "contact-letter": "联系单", "receipt": "签收单", "power-of-attorney": "委托书", "photo": "照片"}
ID_DOCUMENTS = {"id-card": "居民身份证", "social-security-card": "社会保障卡"}


def event(type_name: str) -> str:
    """`Certificate.Issued` -> 颁发 (the type's last part), else the type as recorded."""
    return EVENTS.get(type_name.rpartition(".")[2], type_name)


def field(name: str) -> str:
    return FIELDS.get(name, name)
