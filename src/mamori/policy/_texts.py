"""Standard headings and paragraphs of a rendered policy, in Japanese and English.

Each entry is ``key: (ja, en)``; ``{name}`` placeholders are filled by :func:`text`.
Section headings follow the META ALL-STARS reference policy; the paragraphs are mamori's
own wording, completed from the policy data.
"""

from __future__ import annotations

from typing import Final

__all__ = ["COUNTRIES", "LANGS", "MONTHS", "TEXTS", "text"]

LANGS: Final = ("ja", "en")

MONTHS: Final = (
    "January February March April May June July August September October November December"
).split()

COUNTRIES: Final[dict[str, tuple[str, str]]] = {
    "JP": ("日本", "Japan"),
    "US": ("アメリカ合衆国", "United States"),
    "GB": ("英国", "United Kingdom"),
    "IE": ("アイルランド", "Ireland"),
    "DE": ("ドイツ", "Germany"),
    "FR": ("フランス", "France"),
    "NL": ("オランダ", "Netherlands"),
    "SG": ("シンガポール", "Singapore"),
    "KR": ("大韓民国", "Republic of Korea"),
    "TW": ("台湾", "Taiwan"),
    "CN": ("中華人民共和国", "China"),
    "IN": ("インド", "India"),
    "AU": ("オーストラリア", "Australia"),
    "CA": ("カナダ", "Canada"),
}

TEXTS: Final[dict[str, tuple[str, str]]] = {
    # Titles and headings.
    "title.policy": ("プライバシーポリシー", "Privacy Policy"),
    "title.public": (
        "保有個人データに関する事項の公表",
        "Public Notice of Matters Concerning Retained Personal Data",
    ),
    "h.preamble": ("はじめに", "Introduction"),
    "h.compliance": ("関係法令等の遵守", "Compliance with Laws and Regulations"),
    "h.definition": ("個人情報の定義", "Definition of Personal Information"),
    "h.purposes": ("個人情報の利用目的について", "Purposes of Use of Personal Information"),
    "h.acquisition": ("個人情報の適正な取得", "Proper Acquisition of Personal Information"),
    "h.security": ("安全管理措置", "Security Control Measures"),
    "h.provision": ("情報の第三者への提供", "Provision of Information to Third Parties"),
    "h.requests": ("開示等のご請求手続き", "Procedures for Disclosure and Other Requests"),
    "h.inquiries": ("ご質問・ご意見・苦情等", "Questions, Comments and Complaints"),
    "h.changes": ("プライバシーポリシーの変更について", "Changes to this Privacy Policy"),
    "h.miscellaneous": ("雑則", "Miscellaneous"),
    "h.dates": ("制定日時", "Dates"),
    "h.controller": (
        "個人情報取扱事業者の名称、住所及び代表者の氏名",
        "Name, Address and Representative of the Business",
    ),
    "h.public_purposes": ("保有個人データの利用目的", "Purposes of Use of Retained Personal Data"),
    "h.public_requests": (
        "開示等の請求等に応じる手続及び手数料",
        "Procedures for Requests and Fees",
    ),
    "h.public_security": (
        "保有個人データの安全管理のために講じた措置",
        "Measures Taken to Keep Retained Personal Data Secure",
    ),
    "h.complaints": ("苦情の申出先", "Where to Send Complaints"),
    "h.joint_use": ("共同利用", "Joint Use"),
    "h.item_map": ("利用目的ごとに取り扱う項目", "Items Handled for Each Purpose"),
    "h.retention": ("保存期間", "Retention"),
    "h.outsourcing": ("業務の委託", "Outsourcing"),
    "h.third_parties": ("同意に基づく第三者提供", "Provision to Third Parties with Consent"),
    "h.verification": ("ご本人確認", "Identity Verification"),
    # Security measure categories (PPC general guideline §10).
    "cat.basic_policy": ("個人情報保護指針の策定", "Basic policy"),
    "cat.handling_rules": (
        "個人データの取扱いに係る規律の整備",
        "Rules for handling personal data",
    ),
    "cat.organisational": ("組織的安全管理措置", "Organisational security measures"),
    "cat.human": ("人的安全管理措置", "Human security measures"),
    "cat.physical": ("物理的安全管理措置", "Physical security measures"),
    "cat.technical": ("技術的安全管理措置", "Technical security measures"),
    "cat.external_environment": ("外的環境の把握", "Understanding the external environment"),
    # Generated paragraphs.
    "p.preamble": (
        "{controller}(以下「当社」といいます)は、{service}(以下「本サービス」といいます)の"
        "提供にあたってお預かりする個人情報を、個人情報の保護に関する法律(以下「個人情報保護法」"
        "といいます)その他の関係法令及び本プライバシーポリシーに沿って取り扱い、その保護に努めます。",
        '{controller} ("we") handles the personal information entrusted to it in providing '
        '{service} (the "Service") in line with Japan\'s Act on the Protection of Personal '
        'Information (the "APPI"), other applicable laws and this Privacy Policy, and takes '
        "care to protect it.",
    ),
    "p.preamble_no_service": (
        "{controller}(以下「当社」といいます)は、事業の中でお預かりする個人情報を、"
        "個人情報の保護に関する法律(以下「個人情報保護法」といいます)その他の関係法令及び"
        "本プライバシーポリシーに沿って取り扱い、その保護に努めます。",
        '{controller} ("we") handles the personal information entrusted to it in line with '
        'Japan\'s Act on the Protection of Personal Information (the "APPI"), other applicable '
        "laws and this Privacy Policy, and takes care to protect it.",
    ),
    "p.compliance": (
        "当社は、個人情報保護法、個人情報保護委員会が定めるガイドラインその他の関係法令等と、"
        "本プライバシーポリシーに定めたことを守ります。",
        "We abide by the APPI, the guidelines of the Personal Information Protection Commission "
        "and other applicable rules, and by what this Privacy Policy sets out.",
    ),
    "p.definition": (
        "本プライバシーポリシーでいう「個人情報」は、生きている個人についての情報のうち、"
        "それによって特定の個人が分かるもの(他の情報と容易に照らし合わせることができ、"
        "それによって特定の個人が分かるものを含みます)を指します。"
        "当社が本サービスで取り扱う個人情報の項目は次のとおりです。",
        'In this Privacy Policy, "personal information" means information about a living '
        "individual that identifies that individual, including information that identifies "
        "them when readily matched with other information. The items of personal information "
        "we handle are:",
    ),
    "p.referable": (
        "このうち{items}は、それだけでは特定の個人が分からない場合にも、個人関連情報として"
        "本プライバシーポリシーに従って取り扱います。",
        "Of these, {items} are handled under this Privacy Policy as personally referable "
        "information even where they do not identify anyone on their own.",
    ),
    "p.purposes": (
        "当社は、次の利用目的の達成に必要な範囲に限って個人情報を取り扱います。"
        "この範囲を超えて取り扱うときは、法令が認める場合を除き、あらかじめご本人の同意をいただきます。",
        "We handle personal information only as far as needed for the following purposes. "
        "Beyond that, we first ask for the person's consent, unless the law allows otherwise.",
    ),
    "p.consent": (
        "次の目的での取扱いは、ご本人の同意をいただいた場合に限ります:{purposes}",
        "We handle personal information for the following only with the person's consent: "
        "{purposes}",
    ),
    "p.profiling": (
        "次の目的には、取得した情報を分析して利用者の関心や傾向を推定する処理が含まれます:{purposes}",
        "The following purposes include analysing the information we obtain to infer users' "
        "interests or tendencies: {purposes}",
    ),
    "p.marketing": (
        "ご案内や勧誘を目的とする取扱い({purposes})は、ご本人からお申し出があれば停止します。",
        "We stop handling personal information for promotion ({purposes}) when the person "
        "asks us to.",
    ),
    "p.provision_purposes": (
        "次の目的には、個人データの第三者への提供が含まれます:{purposes}",
        "The following purposes include providing personal data to third parties: {purposes}",
    ),
    "p.acquisition": (
        "当社は、公表した利用目的の達成に必要な範囲の個人情報だけを、適法かつ公正な方法で"
        "取得します。偽りその他の不正な手段によって取得することはありません。",
        "We obtain only the personal information the published purposes require, by lawful "
        "and fair means, and never by deception or other wrongful means.",
    ),
    "p.special_care": (
        "要配慮個人情報({items})は、法令が認める場合を除き、あらかじめご本人の同意を得て取得します。",
        "We obtain special-care personal information ({items}) only with the person's prior "
        "consent, unless the law allows otherwise.",
    ),
    "p.retention": (
        "個人情報は正確かつ最新の状態に保ち、必要がなくなったときは遅滞なく消去します。"
        "保存期間は次のとおりです。",
        "We keep personal information accurate and up to date, and erase it without delay "
        "once it is no longer needed. We keep it as follows:",
    ),
    "p.security": (
        "当社は、個人データの漏えい、滅失又は毀損を防ぐために次の安全管理措置を講じるとともに、"
        "従業者及び委託先を必要かつ適切に監督します。",
        "To prevent personal data from being leaked, lost or damaged, we take the following "
        "security measures and supervise our staff and contractors as necessary and "
        "appropriate.",
    ),
    "p.provision": (
        "当社は、次の場合を除き、ご本人の同意を得ないで個人データを第三者に提供しません。",
        "We do not provide personal data to third parties without the person's consent, "
        "except in the following cases:",
    ),
    "p.provision_law": (
        "法令に基づく場合その他個人情報保護法が認める場合",
        "where required by law or otherwise permitted by the APPI",
    ),
    "p.provision_outsourcing": (
        "利用目的の達成に必要な範囲で個人データの取扱いを委託する場合",
        "where we outsource the handling of personal data within the purposes of use",
    ),
    "p.provision_succession": (
        "合併その他の事由による事業の承継に伴って提供する場合",
        "where a business is succeeded to through a merger or otherwise",
    ),
    "p.provision_joint_use": (
        "下記のとおり共同して利用する場合",
        "where personal data is used jointly as described below",
    ),
    "p.outsourcing": (
        "委託先は、当社の基準によりあらかじめ評価して選定し、契約を締結した上で監督します。"
        "現在の主な委託先は次のとおりです。",
        "We assess contractors against our criteria before choosing them, bind them by "
        "contract and supervise them. Our main contractors are:",
    ),
    "p.joint_use": (
        "当社は、次のとおり個人データを共同して利用します。",
        "We use personal data jointly as follows.",
    ),
    "p.third_parties": (
        "ご本人の同意をいただいた場合に、次の第三者に個人データを提供します。",
        "With the person's consent, we provide personal data to the following third parties.",
    ),
    "p.referable_provision": (
        "個人関連情報を、提供先で個人データとして取得されることが想定される第三者に提供するときは、"
        "提供先がご本人の同意を得ていることを事前に確認します。",
        "Before providing personally referable information to a recipient expected to link "
        "it to a person, we confirm that the recipient has obtained that person's consent.",
    ),
    "p.requests": (
        "ご本人は、当社が保有する自己の個人データについて、次のご請求をすることができます。"
        "ご請求は第{section}項の窓口で受け付けます。",
        "You may make the following requests about the personal data we hold about you. "
        "Please send them to the contact in section {section}.",
    ),
    "p.agents": (
        "代理人によるご請求も受け付けます。その場合は、代理権の確認もさせていただきます。",
        "Requests through an agent are accepted; we then also confirm the agent's authority.",
    ),
    "p.no_agents": (
        "ご請求はご本人からのみ受け付けます。",
        "We accept requests only from the person themselves.",
    ),
    "p.verification": (
        "ご請求に応じる前に、次のいずれかの方法でご本人であることを確認します。"
        "確認のために求める情報は必要な範囲にとどめます。",
        "Before acting on a request we confirm your identity in one of the following ways, "
        "asking for no more information than that needs.",
    ),
    "p.target_days": (
        "ご請求には遅滞なく対応し、ご本人確認の完了から{days}日以内にお答えすることを目安とします。"
        "ご請求に応じられない場合は、その理由をお知らせします。",
        "We act on requests without delay and aim to answer within {days} days of verifying "
        "your identity. If we cannot do what you ask, we tell you why.",
    ),
    "p.inquiries": (
        "個人情報の取扱いについてのご質問、ご意見、苦情その他のお問い合わせは、"
        "次の窓口で承り、誠実かつ速やかに対応します。",
        "We receive questions, comments, complaints and other inquiries about how we handle "
        "personal information at the contact below, and respond to them sincerely and promptly.",
    ),
    "p.changes": (
        "当社は、法令の改正や事業の変化に応じて、本プライバシーポリシーを改定することがあります。"
        "利用目的の変更は、変更前の目的と相当の関連性があると合理的に認められる範囲で行い、"
        "変更後の内容をご本人に通知し又は公表します。重要な変更は当社ウェブサイトでお知らせします。",
        "We may revise this Privacy Policy as laws or our business change. We change a purpose "
        "of use only within what can reasonably be seen as related to the former purpose, and "
        "notify or publish the changed purposes. Significant changes are announced on our "
        "website.",
    ),
    "p.miscellaneous": (
        "本プライバシーポリシーの最新版は当社ウェブサイトに掲載します。"
        "日本語版と英語版の内容に相違がある場合は、日本語版が優先します。",
        "The current version of this Privacy Policy is published on our website. If the "
        "Japanese and English versions differ, the Japanese version prevails.",
    ),
    "p.public": (
        "{controller}は、個人情報保護法第32条に基づき、保有個人データに関する次の事項を公表します。",
        "{controller} publishes the following matters concerning retained personal data under "
        "Article 32 of Japan's Act on the Protection of Personal Information.",
    ),
    # Short fragments.
    "established": ("{date} 制定", "Established: {date}"),
    "effective": ("{date} 施行", "Effective: {date}"),
    "sep": ("、", ", "),
    "kv": ("{key}:{value}", "{key}: {value}"),
    "detail_sep": ("/", "; "),
    "quoted": ("「{text}」", '"{text}"'),
    "paren": ("{text}({note})", "{text} ({note})"),
    "name": ("名称", "Name"),
    "address": ("住所", "Address"),
    "representative": ("代表者", "Representative"),
    "desk": ("窓口", "Desk"),
    "form": ("お問い合わせフォーム", "Inquiry form"),
    "email": ("メールアドレス", "Email"),
    "phone": ("電話番号", "Phone"),
    "country": ("所在国", "Country"),
    "items": ("項目", "Items"),
    "purposes_of": ("利用目的", "Purposes"),
    "ju.items": ("共同して利用する個人データの項目", "Personal data used jointly"),
    "ju.scope": ("共同して利用する者の範囲", "Joint users"),
    "ju.purposes": ("利用する者の利用目的", "Purposes of the joint users"),
    "ju.responsible": (
        "個人データの管理について責任を有する者",
        "Party responsible for managing the personal data",
    ),
    "rule17.system": ("外国の個人情報保護制度", "Personal information protection system there"),
    "rule17.measures": ("提供先が講ずる措置", "Measures the recipient takes"),
    "equivalent": (
        "提供先は個人情報保護法に相当する措置を継続的に講ずる体制を整備しています({basis})",
        "The recipient has a system for continuously taking measures equivalent to the APPI "
        "({basis})",
    ),
    "basis.contract": ("契約による", "by contract"),
    "basis.apec_cbpr": ("APEC CBPR認証", "APEC CBPR certification"),
    "eea": (
        "個人情報保護委員会が日本と同等の水準にあると認める国",
        "a country the PPC recognises as having an equivalent level of protection",
    ),
    "fee": ("手数料 {amount}円", "fee JPY {amount}"),
    "free": ("手数料無料", "free of charge"),
    "methods": ("方法:{methods}", "by {methods}"),
    "keep": ("{target}:{event}から{duration}", "{target}: {duration} after {event}"),
    "keep0": ("{target}:{event}後、遅滞なく消去", "{target}: erased without delay after {event}"),
    "for_purpose": ("「{label}」のために取り扱う情報", 'data handled for "{label}"'),
    "dur.Y": ("{n}年", "{n} year{s}"),
    "dur.M": ("{n}か月", "{n} month{s}"),
    "dur.D": ("{n}日", "{n} day{s}"),
    "ev.collected": ("取得", "collection"),
    "ev.last_used": ("最後の利用", "last use"),
    "ev.account_closed": ("アカウントの削除(退会)", "closure of the account"),
    "ev.purpose_ended": ("利用目的の達成", "fulfilment of the purpose"),
    "ev.consent_withdrawn": ("同意の撤回", "withdrawal of consent"),
    "rk.purpose_notice": ("利用目的の通知", "Notification of the purposes of use"),
    "rk.disclosure": ("保有個人データの開示", "Disclosure of retained personal data"),
    "rk.provision_records": ("第三者提供記録の開示", "Disclosure of third-party provision records"),
    "rk.correction": ("内容の訂正、追加又は削除", "Correction, addition or deletion"),
    "rk.suspension": ("利用の停止", "Suspension of use"),
    "rk.erasure": ("消去", "Erasure"),
    "rk.stop_provision": ("第三者への提供の停止", "Stopping provision to third parties"),
    "dm.electronic": ("電磁的記録の提供", "electronic record"),
    "dm.paper": ("書面の交付", "paper copy"),
    "vm.otp_email": (
        "ご登録のメールアドレスに送る確認コード",
        "a one-time code sent to your registered email address",
    ),
    "vm.otp_sms": (
        "ご登録の電話番号にSMSで送る確認コード",
        "a one-time code sent by SMS to your registered phone number",
    ),
    "vm.account_login": ("本サービスのアカウントへのログイン", "signing in to your account"),
    "vm.documents": ("本人確認書類のご提示", "showing identity documents"),
}


def text(key: str, lang: str, /, **values: object) -> str:
    """The catalog text ``key`` in ``lang`` ("ja" or "en"), with ``values`` filled in."""
    ja, en = TEXTS[key]
    return (en if lang == "en" else ja).format(**values)
