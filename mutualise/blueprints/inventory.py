from flask import Blueprint
from flask_login import login_required

bp = Blueprint("inventory", __name__, url_prefix="/resources")


@bp.get("/")
@login_required
def index():
    return "inventory"
