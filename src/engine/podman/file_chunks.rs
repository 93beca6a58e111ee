//! An archive read as a request body chunk by chunk, by whoever polls the
//! body (the connection's task, whose CPU counts as migration work) rather
//! than on tokio's blocking pool.

use bytes::Bytes;

/// Bytes of the archive in `file` chunk by chunk, read by whoever polls
/// (from the page cache, where the checkpoint was just written).
pub fn file_chunks(
    file: std::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + Unpin {
    Box::pin(futures_util::stream::try_unfold(
        file,
        |mut file| async move {
            let mut chunk = vec![0u8; UPLOAD_CHUNK_BYTES];
            let read = std::io::Read::read(&mut file, &mut chunk)?;
            if read == 0 {
                return Ok(None);
            }
            chunk.truncate(read);
            Ok(Some((Bytes::from(chunk), file)))
        },
    ))
}

/// Bytes read from an archive per body frame.
const UPLOAD_CHUNK_BYTES: usize = 256 * 1024;
