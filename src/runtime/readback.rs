//! Reading tensors back from the device, asynchronously: synchronous reads panic on WebGPU, so
//! every read in Anneal goes through here, at points commented "Sync point".

use burn::prelude::*;

/// The device failed to return a tensor: typically a lost GPU device or out of memory.
#[derive(Debug, Clone, thiserror::Error)]
#[error("reading results back from the device failed: {0}")]
pub struct ReadbackError(pub String);

/// Sync point: reads a tensor back as f32 values.
pub async fn read_f32<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ReadbackError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| ReadbackError(format!("{e:?}")))?;
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| ReadbackError(format!("{e:?}")))
}
