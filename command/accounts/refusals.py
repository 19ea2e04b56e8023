"""How account commands refuse."""

from collections.abc import Mapping

from command.accounts.handlers import InvalidCredentials
from command.accounts.responses import user_out
from command.accounts.tables import InvalidOneTimeToken, WrongPassword
from command.refusals import Refusal, Shape
from events.user import AccountDisabled, EmailTaken, User, UsernameTaken
from infra.security.sessions import InvalidRefreshToken

REFUSALS: Mapping[type[Exception], Refusal] = {
    EmailTaken: Refusal(409, "conflict", "Email already registered"),
    UsernameTaken: Refusal(409, "conflict", "Username already taken"),
    InvalidCredentials: Refusal(401, "invalid_credentials", "Incorrect email/username or password"),
    InvalidRefreshToken: Refusal(401, "invalid_token", "Invalid or expired refresh token"),
    WrongPassword: Refusal(400, "bad_request", "Current password is incorrect"),
    InvalidOneTimeToken: Refusal(400, "bad_request", "Invalid or expired token"),
    AccountDisabled: Refusal(403, "account_disabled", "Account is disabled"),
}
SHAPES: Mapping[type, Shape] = {User: user_out}
FEATURE = (REFUSALS, SHAPES)
