"""An applicant downloads the files of their own case (我的办件), under their original names."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse

from tongban.cases import selectors as cases


@login_required
def case_material_download(request, case_id: int, material_id: int):
    """Served as an attachment under the original name (``FileResponse`` encodes a Chinese name
    per RFC 5987, ``filename*=utf-8''…``), with the type sniffed at upload and ``nosniff`` so no
    browser renders it as something else. Not the applicant's case (staff included): 404."""
    material = cases.case_material_for_applicant(
        account=request.user, case_id=case_id, material_id=material_id
    )
    response = FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.download_name,
        content_type=material.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
