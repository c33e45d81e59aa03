"""Demo content of the public portal: the source article itself (the news report on the
consolidated inspection of Phường Trần Phú), an announcement of the published results, the
footer's links, and a few citizens' ratings and comments (one waiting for moderation).
The photos are drawn placeholders marked "Ảnh minh họa": the article's own photos are not
ours to ship."""

import io
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cchc.accounts.models import Membership
from cchc.assessments.models import Round
from cchc.core.roles import Role
from cchc.inspections.models import Inspection
from cchc.orgunits.models import OrgUnit
from cchc.portal import services
from cchc.portal.models import Article, Comment, PortalSettings, Rating, WebsiteLink

SEED = Path(settings.BASE_DIR).parent / "shared" / "seed"
TITLE = "Thành phố Hà Tĩnh: một cuộc kiểm tra thay cho ba tại Phường Trần Phú"
SUMMARY = (
    "Đoàn kiểm tra của UBND thành phố do Trưởng Phòng Nội vụ làm trưởng đoàn, với chuyên viên "
    "của 07 cơ quan tham mưu, đã kiểm tra hợp nhất công tác cải cách hành chính, kiểm soát thủ "
    "tục hành chính, ISO 9001:2015 và thực hiện ý kiến chỉ đạo tại Phường Trần Phú."
)
LINKS = [
    ("Cổng Dịch vụ công quốc gia", "https://dichvucong.gov.vn", 1),
    ("Cổng thông tin điện tử tỉnh Hà Tĩnh", "https://hatinh.gov.vn", 2),
    ("Bộ Nội vụ", "https://moha.gov.vn", 3),
]


def _paragraphs() -> list[str]:
    """The article's own paragraphs (up to its rating block), or a short stand-in."""
    files = sorted(SEED.glob("*.txt")) if SEED.exists() else []
    if not files:
        return [SUMMARY]
    text = files[0].read_text(encoding="utf-8").split("Đánh giá:")[0]
    return [line.strip() for line in text.splitlines() if line.strip()]


def _photo(caption: str, shade: tuple[int, int, int]) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 600), shade)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 920, 560), outline=(255, 255, 255), width=6)
    draw.text((70, 70), "Anh minh hoa", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{caption[:20]}.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_portal(*, editor: object) -> str:
    """Create the demo articles once; return a line for the log."""
    PortalSettings.current()
    for title, url, order in LINKS:
        WebsiteLink.objects.get_or_create(url=url, defaults={"title": title, "order": order})
    if Article.objects.filter(title=TITLE).exists():
        return "Portal: already seeded"
    ward = OrgUnit.objects.filter(name="Phường Trần Phú").first()
    body = "\n".join(f"<p>{paragraph}</p>" for paragraph in _paragraphs())
    body = body.replace(
        "<p>Toàn ảnh buổi kiểm tra của Đoàn</p>", "<h3>Toàn ảnh buổi kiểm tra của Đoàn</h3>"
    )
    article = services.article_save(
        actor=editor,
        article=None,
        data={
            "title": TITLE,
            "summary": SUMMARY,
            "body": body,
            "tags": "cải cách hành chính, kiểm tra hợp nhất, Phường Trần Phú",
            "units": [ward] if ward else [],
            "inspections": list(Inspection.objects.filter(org_unit=ward, is_published=True))
            if ward
            else [],
        },
    )
    for caption, shade in (
        ("Đoàn kiểm tra làm việc với UBND phường (ảnh minh họa)", (29, 78, 137)),
        ("Kiểm tra Bộ phận tiếp nhận và trả kết quả (ảnh minh họa)", (20, 58, 102)),
    ):
        services.photo_add(
            actor=editor, article=article, upload=_photo(caption, shade), caption=caption
        )
    services.article_transition(actor=editor, article=article, target=Article.Status.REVIEW)
    services.article_transition(actor=editor, article=article, target=Article.Status.PUBLISHED)
    published = (
        Round.objects.filter(status=Round.Status.PUBLISHED)
        .order_by("-year", "-published_at")
        .first()
    )
    if published is not None:
        news = services.article_save(
            actor=editor,
            article=None,
            data={
                "title": f"Công bố kết quả chấm điểm cải cách hành chính {published}",
                "summary": "UBND thành phố công bố kết quả xếp hạng công tác cải cách hành chính "
                "của các phường, xã; kết quả chi tiết từng đơn vị được đăng trên cổng thông tin.",
                "body": "<p>Kết quả được tổng hợp từ bản tự đánh giá của các phường, xã và kết "
                'quả thẩm định của các cơ quan chuyên môn. Xem <a href="/xep-hang/">bảng xếp '
                "hạng</a>.</p>",
                "tags": "kết quả, xếp hạng",
                "rounds": [published],
            },
        )
        services.article_transition(actor=editor, article=news, target=Article.Status.REVIEW)
        services.article_transition(actor=editor, article=news, target=Article.Status.PUBLISHED)
    for n, stars in enumerate([5, 4, 5, 4, 3, 5, 4, 5, 4, 5, 4, 4]):
        Rating.objects.get_or_create(
            target=Rating.Target.ARTICLE,
            target_id=article.pk,
            visitor=f"demo-visitor-{n}",
            defaults={"stars": stars, "address": f"demo-{n}"},
        )
    Comment.objects.create(
        article=article,
        name="Nguyễn Văn An",
        text="Gộp ba đoàn thành một đoàn kiểm tra là cách làm hay, đỡ mất thời gian cho phường.",
        status=Comment.Status.VISIBLE,
        visitor="demo",
    )
    waiting = Comment.objects.create(
        article=article,
        name="Trần Thị Bình",
        text="Xin hỏi khi nào phường công khai kết quả khắc phục các hạn chế?",
        status=Comment.Status.PENDING,
        visitor="demo",
    )
    if ward is not None:
        asked = services.feedback_submit(
            name="Phan Văn Hùng",
            contact="",
            org_unit=ward,
            subject="Niêm yết phí chứng thực bản sao",
            text="Bảng niêm yết tại Bộ phận một cửa chưa ghi rõ phí chứng thực bản sao điện tử.",
            address="demo",
        )
        officer = Membership.objects.filter(org_unit=ward, role=Role.UNIT_OFFICER).first()
        services.feedback_answer(
            actor=officer.user if officer else None,
            feedback=asked,
            answer="UBND phường đã bổ sung mức phí vào bảng niêm yết ngày hôm sau. Cảm ơn ông.",
            publish=True,
        )
        services.feedback_submit(
            name="Đặng Thị Mai",
            contact="",
            org_unit=ward,
            subject="Thời gian trả kết quả đăng ký khai sinh",
            text="Xin cho biết thời hạn trả kết quả khi nộp hồ sơ trực tuyến.",
            address="demo-2",
        )
    return (
        f"Portal: {Article.objects.count()} articles, {Rating.objects.count()} ratings, "
        f"1 comment waiting for moderation (#{waiting.pk}), seeded {timezone.localdate():%d/%m/%Y}"
    )
