"""The login page: plain HTML in Vietnamese (with English), drawn only with the app's own files."""

from __future__ import annotations

from html import escape

__all__ = ["blocked_page", "login_page"]

_HEAD = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/wall.css"></head>
<body class="login-body">"""


def login_page(csrf: str, next_path: str, message: str = "") -> str:
    """Return the login form (the CSRF token and where to go after are hidden fields)."""
    alert = f'<p class="login-message" role="alert">{escape(message)}</p>' if message else ""
    return _HEAD.format(title="Đăng nhập — Login") + f"""
<main class="login-box">
<h1>Trung tâm thông tin, chỉ đạo, điều hành</h1>
<p class="lead">Đăng nhập để xem bức tường hiển thị<br><span lang="en">Log in to see the
display wall</span></p>
{alert}
<form method="post" action="/login" autocomplete="off">
<input type="hidden" name="csrf_token" value="{escape(csrf)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">Tên đăng nhập / User name</label>
<input id="username" name="username" class="form-control" required autofocus>
<label for="password">Mật khẩu / Password</label>
<input id="password" name="password" type="password" class="form-control" required>
<button type="submit" class="btn btn-primary">Đăng nhập / Log in</button>
</form>
<p class="login-note">Chỉ người được cấp quyền mới được truy cập; mọi lần đăng nhập đều được ghi
nhật ký.<br><span lang="en">Authorised users only; every login is recorded.</span></p>
</main></body></html>"""


def blocked_page(text_vi: str, text_en: str) -> str:
    """Return a dark page that says why nothing is shown (revoked screen, no clearance)."""
    return _HEAD.format(title=text_vi) + (
        f'<main class="login-box"><h1>{escape(text_vi)}</h1><p class="lead" lang="en">'
        f"{escape(text_en)}</p></main></body></html>")
