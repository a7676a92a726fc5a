//! Cover art at the sizes players ask for (`?size=64|256|1024`): the stored JPEG or PNG decoded
//! under limits (a 2 MiB PNG can claim 20,000 x 20,000 pixels), scaled to fit the square (never
//! up), encoded as JPEG (PNG when it has transparency), and kept as a derived blob
//! (`covers/<sha256>/<size>`) that the sweeper removes with its original.

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The sizes served.
pub const SIZES: [u32; 3] = [64, 256, 1024];
/// Largest side a stored cover may decode to.
const MAX_SIDE: u32 = 8192;

#[derive(Debug, thiserror::Error)]
pub enum CoverError {
    #[error("the stored cover does not decode: {0}")]
    Decode(String),
    #[error("encoding the cover failed: {0}")]
    Encode(String),
}

/// The cover scaled to fit `size` x `size`: its bytes and media type.
pub fn resize(original: &[u8], size: u32) -> Result<(Vec<u8>, &'static str), CoverError> {
    let mut reader =
        ImageReader::new(Cursor::new(original)).with_guessed_format().map_err(|e| CoverError::Decode(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| CoverError::Decode(e.to_string()))?;
    let img = if img.width() > size || img.height() > size { img.thumbnail(size, size) } else { img };
    let mut out = Cursor::new(Vec::new());
    if img.color().has_alpha() {
        img.write_to(&mut out, ImageFormat::Png).map_err(|e| CoverError::Encode(e.to_string()))?;
        Ok((out.into_inner(), "image/png"))
    } else {
        DynamicImage::ImageRgb8(img.to_rgb8())
            .write_to(&mut out, ImageFormat::Jpeg)
            .map_err(|e| CoverError::Encode(e.to_string()))?;
        Ok((out.into_inner(), "image/jpeg"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 99])));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap_or_default();
        out.into_inner()
    }

    #[test]
    fn covers_fit_the_square_and_are_never_scaled_up() {
        let (bytes, kind) = resize(&png(600, 300), 256).unwrap_or_default();
        assert_eq!(kind, "image/jpeg");
        let out = image::load_from_memory(&bytes).map(|i| (i.width(), i.height())).unwrap_or_default();
        assert_eq!(out, (256, 128));
        let (bytes, _) = resize(&png(40, 40), 256).unwrap_or_default();
        let out = image::load_from_memory(&bytes).map(|i| (i.width(), i.height())).unwrap_or_default();
        assert_eq!(out, (40, 40));
        assert!(resize(b"not an image", 64).is_err());
    }
}
