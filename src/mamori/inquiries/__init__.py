"""Inquiries and complaints (問い合わせ・苦情, policy §8, Art. 40): tickets from the form,
the API and the desk, each with a reply date, sealed texts and an audited history."""

from mamori.inquiries.desk import ACTIONS, InquiryDesk
from mamori.inquiries.errors import InquiryRefused
from mamori.inquiries.model import (
    BODY_MAX,
    REPLY_DAYS_MAX,
    REPLY_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Inquiry,
    InquiryChannel,
    InquiryDetail,
    InquiryKind,
    InquiryStatus,
    Reply,
)

__all__ = [
    "ACTIONS",
    "BODY_MAX",
    "REPLY_DAYS_MAX",
    "REPLY_MAX",
    "SUMMARY_MAX",
    "TITLE_MAX",
    "Inquiry",
    "InquiryChannel",
    "InquiryDesk",
    "InquiryDetail",
    "InquiryKind",
    "InquiryRefused",
    "InquiryStatus",
    "Reply",
]
