import type { GetStaticPaths, GetStaticProps } from 'next'
import { type Article, articleBySlugUncached, listArticles, podId } from '../../lib/content'

interface Props {
  article: Article
  renderedAt: string
  pod: string
}

export const getStaticPaths: GetStaticPaths = async () => ({
  paths: (await listArticles()).map((article) => ({ params: { slug: article.slug } })),
  fallback: 'blocking',
})

// Throws when the content API fails: res.revalidate then reports the path failed and the pod
// keeps serving the last good page.
export const getStaticProps: GetStaticProps<Props, { slug: string }> = async ({ params }) => {
  const article = await articleBySlugUncached(params?.slug ?? '')
  if (!article) return { notFound: true, revalidate: 3600 }
  return {
    props: { article, renderedAt: new Date().toISOString(), pod: podId() },
    revalidate: 3600,
  }
}

export default function LegacyArticle({ article, renderedAt, pod }: Props) {
  return (
    <main>
      <h1 data-testid="title">{article.title}</h1>
      <p data-testid="body">{article.body}</p>
      <footer>
        rendered <time data-testid="rendered-at">{renderedAt}</time> on pod{' '}
        <span data-testid="pod">{pod}</span>
      </footer>
    </main>
  )
}
