"""Why an image is refused, each with its status and stable code."""

from common.errors import ApiError, NotFound


class MediaNotFound(NotFound):
    code, message = "media_not_found", "Media not found"


class FileTooLarge(ApiError):
    status, code, message = 413, "file_too_large", "The file is larger than the upload limit"


class QuotaExceeded(ApiError):
    status, code, message = 413, "quota_exceeded", "Storing this file would exceed your quota"


class ImageTooLarge(ApiError):
    status, code, message = 413, "image_too_large", "The image has too many pixels"


class NotAnImage(ApiError):
    status, code = 415, "unsupported_media_type"
    message = "Not a supported image: JPEG, PNG, WebP or GIF"


class CorruptImage(ApiError):
    status, code, message = 422, "corrupt_image", "The image is truncated or corrupt"


class InvalidDimensions(ApiError):
    status, code, message = 422, "invalid_dimensions", "The image is too wide or too tall"


class FileRequired(ApiError):
    status, code = 422, "file_required"
    message = "Send the image as multipart/form-data in a field named 'file'"


class MediaInUse(ApiError):
    status, code = 409, "media_in_use"
    message = "A post or an avatar still shows this image; delete the post first"
